import { defineConfig } from 'vitest/config';
import { SERIAL_TESTS } from './vitest.config.js';

/** The timing-sensitive tests (see vitest.config.ts), one file at a time after the rest. */
export default defineConfig({
  test: {
    include: SERIAL_TESTS,
    testTimeout: 60_000,
    hookTimeout: 150_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
});
