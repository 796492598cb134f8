import type { RegisterCommand } from '../kit.js';
import { registerBench } from './bench.js';
import { registerCheck } from './check.js';
import { registerDemo } from './demo.js';
import { registerFeedback } from './feedback.js';
import { registerLearn } from './learn.js';
import { registerReplay } from './replay.js';
import { registerRollout } from './rollout.js';
import { registerSandbox } from './sandbox.js';
import { registerServe } from './serve.js';
import { registerTeach } from './teach.js';
import { registerImport, registerShare } from './share.js';
import { registerVerify } from './verify.js';

/** The CLI commands that live in their own files; main.ts registers them after its core commands. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerServe,
  registerDemo,
  registerReplay,
  registerLearn,
  registerTeach,
  registerRollout,
  registerFeedback,
  registerCheck,
  registerSandbox,
  registerVerify,
  registerBench,
  registerShare,
  registerImport,
];
