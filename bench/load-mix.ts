import { renderScene } from '../src/vision/index.js';
import type { LoadRequest } from './load-generator.js';

/** A small real screen (320×200: title bar, toolbar, two shapes) for `describe the screen`. */
export async function smallScreen(): Promise<string> {
  const { png } = await renderScene({
    width: 320,
    height: 200,
    theme: 'light',
    titlebar: { height: 24, title: 'Load' },
    toolbar: { height: 36 },
    sidebar: false,
    statusbar: false,
    elements: [
      { type: 'shape', shape: 'circle', color: 'green', region: 'content', x: 40, y: 40, size: 24 },
      { type: 'shape', shape: 'square', color: 'blue', region: 'content', x: 120, y: 60, size: 24 },
    ],
  });
  return png.toString('base64');
}

/**
 * Commands no built-in handles, one per frame signature, all of kinds the generator families learn: each
 * becomes a pattern (several users repeat it) and then a generation + production-level verification job.
 */
export const FAILING_COMMANDS: readonly string[] = [
  'count the green circles on the toolbar',
  'could you count the blue triangles please',
  'how many yellow shapes are there',
  'number of circles in the content area',
  'count the shapes in the status bar',
  'find the red circles',
  'look for yellow circles in the sidebar',
  'where is the yellow square',
  'locate the green circle in the sidebar',
  'is there a red circle in the toolbar?',
  'are there any blue squares',
  'list the shapes in the sidebar',
  'list all red shapes',
  'list the circles from left to right',
  'find the circles larger than 40 pixels',
  'count the squares bigger than 40 pixels',
  'what is the average size of the circles',
  'read the title bar',
  'click the "Save" button',
  'type "hello world"',
];
export const LOAD_USERS: readonly string[] = ['ana', 'ben', 'cleo', 'dan', 'eve', 'fay', 'gus', 'hal'];

/**
 * Bodies of the failing share. `spread`: every command from every user, each command from three users first
 * (a pattern is ready after 3 failures from 2 users by default), so learning starts after a few dozen
 * requests. `one-user`: the same commands, all from one user — recorded and folded into patterns just the
 * same, but no pattern reaches the distinct-users threshold, so no job is queued (the idle baseline).
 */
export function failingBodies(pngBase64: string, users: 'spread' | 'one-user' = 'spread'): unknown[] {
  const out: unknown[] = [];
  const body = (command: string, user: string) => ({ command, context: { user }, screen: { pngBase64 } });
  if (users === 'one-user') {
    for (const command of FAILING_COMMANDS) out.push(body(command, 'solo'));
    return out;
  }
  for (const command of FAILING_COMMANDS)
    for (const user of LOAD_USERS.slice(0, 3)) out.push(body(command, user));
  for (const user of LOAD_USERS.slice(3))
    for (const command of FAILING_COMMANDS) out.push(body(command, user));
  return out;
}

/** Handled commands of the load: the cheapest built-in, and one that decodes and analyses the screen. */
export type HandledCommand = 'what can you do' | 'describe the screen';

/** The measured mix: 9 handled commands for each one that fails (10% failures), or handled only. */
export function mixedLoad(
  pngBase64: string,
  o: { handled?: HandledCommand; failing?: 'spread' | 'one-user' | false } = {},
): LoadRequest[] {
  const command = o.handled ?? 'what can you do';
  const handled: LoadRequest = {
    kind: 'handled',
    bodies: LOAD_USERS.map((user) => ({
      command,
      context: { user },
      ...(command === 'describe the screen' ? { screen: { pngBase64 } } : {}),
    })),
  };
  const failing = o.failing ?? 'spread';
  return failing
    ? [
        ...Array.from({ length: 9 }, () => handled),
        { kind: 'failing', bodies: failingBodies(pngBase64, failing) },
      ]
    : [handled];
}
