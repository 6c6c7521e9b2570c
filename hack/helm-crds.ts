/**
 * crds/*.yaml is the single source of truth for the CRDs. Helm installs CRDs only from a chart's own crds/
 * directory, and kustomize refuses files outside its root, so both get generated copies:
 *
 *   charts/dbwarden/crds/<name>.yaml   and   config/crd/bases/<name>.yaml
 *
 * `npx tsx hack/helm-crds.ts` writes them; test/e2e/deploy-manifests.test.ts fails when a copy drifts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './env/paths.js';

export const crdNames = ['databaseconnections.dbwarden.io.yaml', 'accesspolicies.dbwarden.io.yaml'];

export const crdCopyDirs = [join('charts', 'dbwarden', 'crds'), join('config', 'crd', 'bases')];

export interface CrdCopy {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

/** What every generated copy must contain: a header naming the source, then the source byte for byte. */
export function expectedCrdCopies(): CrdCopy[] {
  return crdCopyDirs.flatMap((dir) => crdNames.map((name) => ({
    path: join(dir, name),
    content: `# Generated from crds/${name} by hack/helm-crds.ts: do not edit (edit crds/${name}, then run \`npx tsx hack/helm-crds.ts\`).\n` +
      readFileSync(join(repoRoot, 'crds', name), 'utf8'),
  })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const copy of expectedCrdCopies()) {
    writeFileSync(join(repoRoot, copy.path), copy.content);
    process.stdout.write(`wrote ${copy.path}\n`);
  }
}
