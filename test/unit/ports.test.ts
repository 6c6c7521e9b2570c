/**
 * The operator and the console run side by side on one machine as docs/operator.md and docs/console.md say
 * (`npm run operator`, `npm run console`): their default ports must differ, or the second fails with
 * EADDRINUSE. The chart and kustomize use the operator's port consistently: deploy-manifests.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig as loadConsoleConfig } from '../../console/server/config.js';
import { loadConfig as loadOperatorConfig } from '../../operator/src/config.js';

describe('default ports', () => {
  it('differ between the operator (metrics and health) and the console', () => {
    const operator = loadOperatorConfig([], {});
    if (operator === 'help') throw new Error('no help expected');
    const console = loadConsoleConfig({});
    expect(operator.metricsPort).not.toBe(0);
    expect(console.port).not.toBe(0);
    expect(operator.metricsPort).not.toBe(console.port);
  });
});
