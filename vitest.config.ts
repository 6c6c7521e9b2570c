import { defineConfig } from 'vitest/config';

// The local node's suite (test/node) starts the node and restarts the control plane for it (env:up --node),
// which the suites sharing the API server in a default run must not see: it runs when named on the command
// line (`npx vitest run test/node`, `npm run test:node`).
const nodeSuiteNamed = process.argv.some((arg) => arg.replace(/^\.\//, '').startsWith('test/node'));

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.dev/**', '.scratch/**', ...(nodeSuiteNamed ? [] : ['test/node/**'])],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // Suites share one API server and two database servers; 2 cores do not gain from more.
    maxWorkers: 2,
  },
});
