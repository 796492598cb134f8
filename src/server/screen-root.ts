import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { IroncliwError } from '../domain/index.js';

/** Screen files larger than this are refused before reading (a 1920×1080 PNG is a few MB). */
const MAX_SCREEN_FILE_BYTES = 64 * 1024 * 1024;

interface ScreenRoot {
  /** The bytes of `path` (relative to the root), read only if the file really lies inside the root. */
  read(path: string): Promise<Uint8Array>;
}

const inside = (base: string, full: string): boolean => {
  const rel = relative(base, full);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * `server.screenRoot`: a folder HTTP clients may name screens in. A textual check is not enough — a symlink
 * inside the root can point anywhere — so the file is opened by its real path, without following a final
 * symlink, and the open descriptor's own path is checked again (no swap between check and open). Whatever
 * goes wrong after the textual check gets one message naming only the client's own path: the answer never
 * shows a server path, nor tells a file outside the root that exists from one that does not.
 */
export function createScreenRoot(root: string): ScreenRoot {
  const base = resolve(root);
  return {
    async read(path) {
      const full = resolve(base, path);
      if (path.includes('\0') || !inside(base, full))
        throw new IroncliwError('E_INPUT_INVALID', 'screen.path must name a file inside the screen folder', {
          hint: 'Give a path relative to the folder of config key server.screenRoot, without "..".',
        });
      const shown = path.slice(0, 200);
      const unreadable = (cause?: unknown) =>
        new IroncliwError(
          'E_SCREEN_UNREADABLE',
          `screen "${shown}" is not a readable image file in the screen folder`,
          {
            ...(cause === undefined ? {} : { cause }),
            hint: 'Check the name (relative to the screen folder), or send the image as screen.pngBase64.',
          },
        );
      let handle;
      try {
        const realBase = await realpath(base);
        const real = await realpath(full);
        if (!inside(realBase, real)) throw unreadable();
        // O_NONBLOCK: a FIFO must not hang the request; O_NOFOLLOW: a symlink swapped in after realpath fails.
        handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
        // What was opened is what was checked: the descriptor's path, where the OS tells it (Linux /proc).
        const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => real);
        if (!(opened.startsWith(realBase + sep) && inside(realBase, opened))) throw unreadable();
        const st = await handle.stat();
        if (!st.isFile()) throw unreadable();
        if (st.size > MAX_SCREEN_FILE_BYTES)
          throw new IroncliwError(
            'E_IMAGE_TOO_LARGE',
            `screen "${shown}" has ${st.size} bytes; the limit is ${MAX_SCREEN_FILE_BYTES}`,
          );
        return new Uint8Array(await handle.readFile());
      } catch (err) {
        if (err instanceof IroncliwError) throw err;
        throw unreadable(err);
      } finally {
        await handle?.close();
      }
    },
  };
}
