import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateTypes, typesFile } from '../../hack/codegen/crd-types.js';

describe('CRD types', () => {
  it('match the CRDs they are derived from (run `npm run codegen` after changing crds/*.yaml)', async () => {
    expect(readFileSync(typesFile, 'utf8')).toBe(await generateTypes());
  });
});
