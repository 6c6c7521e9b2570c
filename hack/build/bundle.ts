/**
 * Production bundles for the images: the operator and the console server each become one ESM file with
 * every dependency inside (no node_modules, no dev dependencies, no TypeScript at run time).
 * `npm run build` writes dist/operator/main.mjs and dist/console/main.mjs.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../env/paths.js';

const entries = [
  { name: 'operator', entry: join(repoRoot, 'operator', 'src', 'main.ts') },
  { name: 'console', entry: join(repoRoot, 'console', 'server', 'main.ts') },
];

// CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
const banner = "import { createRequire as __dbwardenRequire } from 'node:module'; const require = __dbwardenRequire(import.meta.url);";

for (const { name, entry } of entries.filter((e) => process.argv.length <= 2 || process.argv.includes(e.name))) {
  const outfile = join(repoRoot, 'dist', name, 'main.mjs');
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    minify: false,
    legalComments: 'linked',
    banner: { js: banner },
    // pg's optional native binding is never used.
    external: ['pg-native'],
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  console.log(`${name}: ${outfile} (${(bytes / 1024 / 1024).toFixed(1)} MiB with source map)`);
}
