import { defineConfig } from 'vitest/config';

/**
 * Tests whose subject is the machine's timing under a load they create themselves (p99 ratios, a nice-19
 * learner getting CPU, NOTIFY within a second after an outage). They run after the rest, one file at a time
 * (`vitest.serial.config.ts`), so other test files do not share the cores they measure.
 */
export const SERIAL_TESTS = ['test/e2e/load.test.ts', 'test/cluster/db-outage.test.ts'];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...SERIAL_TESTS],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
