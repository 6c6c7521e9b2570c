import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('repository layout', () => {
  it('crds/ holds only CustomResourceDefinitions, so `kubectl apply -f crds/` applies every file in it', () => {
    const entries = readdirSync(join(root, 'crds'));
    expect(entries.length).toBeGreaterThan(0);
    for (const name of entries) {
      const path = join(root, 'crds', name);
      expect(statSync(path).isFile(), `${name} is a file (kubectl -f does not recurse)`).toBe(true);
      expect(name, 'kubectl -f reads .yaml, .yml and .json files and fails on others').toMatch(/\.yaml$/);
      for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
        expect((doc.toJS() as { kind?: string }).kind, name).toBe('CustomResourceDefinition');
      }
    }
  });
});
