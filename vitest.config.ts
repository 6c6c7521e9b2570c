import { defineConfig } from 'vitest/config';

// The suites that need the local node (test/node, test/cluster) run after these, alone, with their own
// config (vitest.cluster.config.ts): they restart the control plane for the node and keep both cores busy,
// which the suites sharing the API server here must not see. Named on the command line, test/node runs here.
const nodeSuiteNamed = process.argv.some((arg) => arg.replace(/^\.\//, '').startsWith('test/node'));

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.dev/**', '.scratch/**', 'test/cluster/**', 'test/images/**', ...(nodeSuiteNamed ? [] : ['test/node/**'])],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // Suites share one API server and two database servers; 2 cores do not gain from more.
    maxWorkers: 2,
  },
});
