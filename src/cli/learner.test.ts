import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findOnPath } from '../sandbox/index.js';
import { lowPriorityCommand } from './learner.js';

describe('learner priority', () => {
  it('starts the learner under nice 19 (and SCHED_IDLE when asked) from its first instruction', () => {
    const nice = findOnPath('nice');
    const chrt = findOnPath('chrt');
    const argv = [process.execPath, '-e', 'x'];
    expect(lowPriorityCommand(argv, 'nice')).toEqual([...(nice ? [nice, '-n', '19'] : []), ...argv]);
    expect(lowPriorityCommand(argv, 'idle')).toEqual([
      ...(chrt ? [chrt, '--idle', '0'] : []),
      ...(nice ? [nice, '-n', '19'] : []),
      ...argv,
    ]);
  });

  it.skipIf(!findOnPath('nice') || process.platform !== 'linux')(
    'every thread of a process started that way runs at nice 19',
    () => {
      // A Node process reports the nice value of each of its threads (V8 and libuv start several at boot).
      const script =
        "const fs=require('fs');const t=fs.readdirSync('/proc/self/task');" +
        "console.log(JSON.stringify(t.map(id=>Number(fs.readFileSync('/proc/self/task/'+id+'/stat','utf8').split(') ')[1].split(' ')[16]))))";
      const [command, ...args] = lowPriorityCommand([process.execPath, '-e', script], 'nice');
      const out = spawnSync(command!, args, { encoding: 'utf8' });
      const nices = JSON.parse(out.stdout) as number[];
      expect(nices.length).toBeGreaterThan(1);
      expect(new Set(nices)).toEqual(new Set([19]));
    },
  );
});
