import { generaliseFrame } from '../../src/discovery/index.js';
import type { Program } from '../../src/demonstration/index.js';
import { emitDemonstrated } from '../../src/demonstration/index.js';
import { synthesize } from '../../src/synthesis/index.js';
import { parseCommand } from '../../src/understanding/index.js';

/**
 * A demonstrated program emitted as a capability for `command`'s generalised pattern, and the synthesis
 * gate's verdict on its code — the two steps the learner takes before anything runs.
 */
export function emitAndGate(program: Program, command: string, ids: { id: string; patternId: string }) {
  const { frame, parameters } = generaliseFrame(parseCommand(command).frame);
  const cap = emitDemonstrated(program, {
    id: ids.id,
    version: 1,
    pattern: { id: ids.patternId, frame, parameters },
    examples: [command],
    failureIds: [],
  });
  const gated = synthesize(cap.code, {
    permissions: cap.manifest.permissions,
    inputSchema: cap.manifest.inputSchema,
    outputSchema: cap.manifest.outputSchema,
  });
  return { cap, gated };
}
