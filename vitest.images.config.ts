import { defineConfig } from 'vitest/config';

/**
 * The image suites on their own (`npm run test:images`): they need no API server or local databases, so
 * this runs them without the global setup that starts the local environment. `npm test` runs them too.
 */
export default defineConfig({
  test: {
    include: ['test/images/**/*.test.ts', 'test/unit/dockerfiles.test.ts', 'test/unit/image-rootfs.test.ts', 'test/unit/release-workflow.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.dev/**', '.scratch/**'],
    // A cold build of every image takes minutes on 2 cores; the checks after it take seconds.
    testTimeout: 180_000,
    hookTimeout: 1_800_000,
    maxWorkers: 1,
  },
});
