import type { HostApi } from '../sandbox/index.js';

/**
 * Wraps a host SDK so that the named methods answer after a fixed extra delay, decided by the host.
 *
 * This is benchmark wiring, not SDK surface: guest code gets no new method and no timer (the static policy
 * forbids timers for good reason). It answers "what if the vision backend took 40 ms?" and gives tests a
 * capability whose latency is known in advance.
 *
 * @example
 * host: (sdk) => withHostLatency(sdk, { 'clock.now': 20 })
 */
export function withHostLatency(host: HostApi, delays: Readonly<Record<string, number>>): HostApi {
  for (const [method, ms] of Object.entries(delays))
    if (!(Number.isFinite(ms) && ms >= 0))
      throw new RangeError(`delay of ${method} must be a non-negative number`);
  return {
    async call(method, args) {
      const ms = Object.prototype.hasOwnProperty.call(delays, method) ? delays[method]! : 0;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      return host.call(method, args);
    },
  };
}
