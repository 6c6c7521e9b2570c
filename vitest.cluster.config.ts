import { defineConfig } from 'vitest/config';

/**
 * The in-cluster suite (test/cluster): dbwarden's images and Helm chart running as pods on a real node.
 * `npm test` runs it after the other suites, alone, on the local node (`env:up --node`, images built and
 * loaded by the global setup); `hack/kind-e2e.sh` runs the same files against a kind cluster
 * (DBWARDEN_CLUSTER=existing, naming test/cluster only: test/node proves the local node itself). One file
 * at a time: each uses the whole node.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts', 'test/node/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.dev/**', '.scratch/**'],
    globalSetup: ['test/cluster/setup.ts'],
    testTimeout: 300_000,
    // A cold first run builds the node and the images: tens of minutes on 2 cores.
    hookTimeout: 3_600_000,
    teardownTimeout: 300_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
