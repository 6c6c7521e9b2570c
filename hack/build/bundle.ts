/**
 * Production bundles for the images: the operator and the console server each become one ESM file with
 * every dependency inside (no node_modules, no dev dependencies, no TypeScript at run time).
 * `npm run build` writes dist/operator/main.mjs and dist/console/main.mjs.
 *
 * Test hooks (the operator's crash points, DBWARDEN_CRASH_AT) are compiled out unless `testHooks` is set: only
 * the test suites' bundle (test/setup/global.ts) has them, never an image.
 */
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from '../env/paths.js';

const entries = [
  { name: 'operator', entry: join(repoRoot, 'operator', 'src', 'main.ts') },
  { name: 'console', entry: join(repoRoot, 'console', 'server', 'main.ts') },
];

// CommonJS dependencies bundled into ESM still call require() for Node's built-ins, and read __dirname
// (libpg-query finds its WebAssembly, copied beside the bundle, through it).
const banner = "import { createRequire as __dbwardenRequire } from 'node:module'; import { fileURLToPath as __dbwardenPath } from 'node:url'; " +
  'const require = __dbwardenRequire(import.meta.url); const __filename = __dbwardenPath(import.meta.url); const __dirname = __dbwardenPath(new URL(".", import.meta.url));';

export type BundleName = 'operator' | 'console';

export interface BundleOptions {
  /** Keep the hooks the tests drive (crash points); production bundles never have them. */
  testHooks?: boolean;
  /** Where <name>/main.mjs go (default dist/). */
  outDir?: string;
}

/** Bundles the named programs (default: both) into dist/<name>/main.mjs; returns the files written. */
export async function bundle(names: BundleName[] = ['operator', 'console'], quiet = false, options: BundleOptions = {}): Promise<string[]> {
  const written: string[] = [];
  for (const { name, entry } of entries.filter((e) => names.includes(e.name as BundleName))) {
    const outfile = join(options.outDir ?? join(repoRoot, 'dist'), name, 'main.mjs');
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
      define: { DBWARDEN_TEST_HOOKS: options.testHooks ? 'true' : 'false' },
      metafile: true,
      logLevel: 'warning',
    });
    // The console's guard loads PostgreSQL's parser (libpg-query) as WebAssembly from beside the bundle.
    if (name === 'console') copyFileSync(join(libpgQueryDir(), 'libpg-query.wasm'), join(dirname(outfile), 'libpg-query.wasm'));
    const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
    if (!quiet) console.log(`${name}: ${outfile} (${(bytes / 1024 / 1024).toFixed(1)} MiB with source map)`);
    written.push(outfile);
  }
  return written;
}

/** libpg-query's wasm/ folder, as the console resolves it. */
function libpgQueryDir(): string {
  return dirname(createRequire(join(repoRoot, 'console', 'package.json')).resolve('libpg-query'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const asked = process.argv.slice(2).filter((a): a is BundleName => a === 'operator' || a === 'console');
  await bundle(asked.length ? asked : undefined);
}
