import type { RegisterCommand } from '../kit.js';
import { registerShare } from './share.js';

/** The CLI commands that live in their own files; main.ts registers them after its core commands. */
export const COMMANDS: readonly RegisterCommand[] = [registerShare];
