import { defineConfig } from 'vitest/config';

// Tests start real servers, real Chromium and real load generators, so they are
// given generous time and run in forked processes (puppeteer and autocannon
// spawn children and listen on sockets; threads would share one event loop budget).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
