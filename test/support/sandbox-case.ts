/**
 * Runs one ground-truth case of a capability in the real sandbox, with the host SDK a verification run gives
 * it (recording actuator, seeded random, frozen clock): the tests that check generated code against the
 * oracle share this instead of each building the host by hand.
 */
import type { VisionPort } from '../../src/capabilities/index.js';
import { createHostSdk, RecordingActuator, seededRandom } from '../../src/capabilities/index.js';
import type { Capability } from '../../src/domain/index.js';
import type { SandboxTier } from '../../src/sandbox/index.js';
import type { CapabilityTestCase } from '../../src/verification/index.js';

/** The sandbox's result of the case's input on the case's screen. */
export async function runCase(
  sandbox: SandboxTier,
  vision: VisionPort,
  capability: Capability,
  tc: CapabilityTestCase,
  code: string = capability.code,
) {
  const m = capability.manifest;
  const host = createHostSdk({
    vision,
    screen: tc.screen,
    permissions: m.permissions,
    actuator: new RecordingActuator(),
    random: seededRandom(1),
    now: () => 0,
  });
  return sandbox.run({
    code,
    input: tc.input,
    permissions: m.permissions,
    limits: m.limits,
    host,
    origin: 'generated',
  });
}
