import { defineConfig } from 'vitest/config';

// Tests start real servers, real Chromium and real load generators, so they are
// given generous time and run in forked processes (puppeteer and autocannon
// spawn children and listen on sockets; threads would share one event loop budget).
export default defineConfig({
  plugins: [
    {
      // Its published sourcemaps point at sources it does not ship: drop them rather than print a warning per file.
      name: 'workflow-parser-without-sourcemaps',
      enforce: 'pre',
      transform: (code, id) => (id.includes('@actions/workflow-parser') ? { code: code.replace(/\/\/# sourceMappingURL=\S+/g, ''), map: null } : undefined),
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once before any test file: the tests spawn the built CLI (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two forks on two cores: a third (tried) starves Chromium enough that clean participants freeze.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // @actions/workflow-parser imports its JSON schema without `with { type: 'json' }`, which Node 20's
    // ESM loader refuses; inlined, vite resolves the import (test/unit/deploy-files.test.ts).
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
