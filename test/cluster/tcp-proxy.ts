import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/**
 * A TCP relay between Ironcliw and PostgreSQL that a test can cut and restore: what a node sees when the
 * database goes away (server stopped, network partition) and comes back, without stopping the machine's
 * real PostgreSQL, which other tests share.
 *
 * `cut()` destroys every relayed connection (both ends: the node sees its sockets reset, PostgreSQL sees
 * clients vanish and ends their sessions) and stops listening, so new connections are refused.
 * `restore()` listens again on the same port.
 */
export interface TcpProxy {
  /** The port the relay listens on (stable across cut and restore). */
  readonly port: number;
  /** `url` with its host and port replaced by the relay's. */
  rewrite(url: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Connections relayed so far (accepted by the relay). */
  readonly accepted: number;
  readonly isCut: boolean;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let cut = false;
  let server: Server | undefined;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = createServer((client) => {
        accepted++;
        const upstream = connect(target.port, target.host);
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        client.once('error', drop).once('close', drop);
        upstream.once('error', drop).once('close', drop);
      });
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        server = srv;
        resolve((srv.address() as { port: number }).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      const srv = server;
      server = undefined;
      if (!srv) return resolve();
      srv.close(() => resolve());
    });
  const cutAll = async () => {
    cut = true;
    const closing = stopListening();
    for (const s of sockets) s.destroy();
    await closing;
  };
  const port = await listen(0);
  return {
    port,
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut: cutAll,
    async restore() {
      if (server) return;
      // The port was just released by this process; another listener taking it meanwhile is unlikely
      // on loopback, and would fail loudly here.
      await listen(port);
      cut = false;
    },
    get accepted() {
      return accepted;
    },
    get isCut() {
      return cut;
    },
    close: cutAll,
  };
}
