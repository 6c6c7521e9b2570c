import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { info, step } from '../env/log.js';
import { run } from '../env/proc.js';
import { commitFromFiles, imageId } from './buildah.js';
import { cacheKey } from './cache-key.js';
import { debianArch, type Base } from './debian.js';
import { nodeDistribution, nodePackage, nodeVersion, npmVersion } from './nodejs.js';

const extraCaPath = '/usr/local/share/ca-certificates/dbwarden-build-extra.crt';

/**
 * The CA certificates this machine adds for Node.js (NODE_EXTRA_CA_CERTS), e.g. a TLS-inspecting proxy's on
 * the way to the npm registry: the build stage's `npm ci` must trust them too. Only the build base gets them;
 * no image that ships does.
 */
function hostExtraCas(): string | undefined {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  return file && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * The local stand-in for node:20.20-bookworm-slim: the Debian base with Node.js in /usr/local/bin and npm in
 * /usr/local/lib/node_modules/npm, where the official image has them.
 */
export async function ensureBuildBase(debianRef: string): Promise<Base> {
  const extraCas = hostExtraCas();
  const inputs = {
    debianRef,
    node: `${nodePackage()}@${nodeVersion}`,
    npm: npmVersion,
    extraCas: extraCas && createHash('sha256').update(extraCas).digest('hex'),
  };
  const ref = `localhost/dbwarden-base/node-build:${nodeVersion}-${cacheKey(inputs, ['hack/images/build-base.ts', 'hack/images/nodejs.ts'])}`;
  if (await imageId(ref)) {
    info(`build base: cached (${ref})`);
    return { ref, built: false };
  }
  const dist = await nodeDistribution();
  if (extraCas) info(`  the build base trusts the extra CA certificates of NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS})`);
  await step(`Making the build base: Debian with Node.js ${nodeVersion} and npm ${npmVersion} (${ref})`, () =>
    commitFromFiles(debianRef, ref, async (root) => {
      const local = join(root, 'usr', 'local');
      const npmDir = join(local, 'lib', 'node_modules', 'npm');
      mkdirSync(join(local, 'bin'), { recursive: true });
      mkdirSync(npmDir, { recursive: true });
      await run('tar', ['-xzf', dist.node, '-C', local, '--strip-components=1', '--no-same-owner', 'package/bin/node']);
      await run('tar', ['-xzf', dist.npm, '-C', npmDir, '--strip-components=1', '--no-same-owner']);
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin', 'npm'));
      symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin', 'npx'));
      if (extraCas) writeFileSync(join(root, extraCaPath), extraCas, { mode: 0o644 });
    }, [
      '--env', `NODE_VERSION=${nodeVersion}`,
      ...(extraCas ? ['--env', `NODE_EXTRA_CA_CERTS=${extraCaPath}`] : []),
      '--cmd', '["node"]',
      '--arch', debianArch(),
      '--label', `org.opencontainers.image.description=Debian bookworm with Node.js ${nodeVersion} (npm registry ${nodePackage()}), made by dbwarden's npm run images`,
    ]));
  return { ref, built: true };
}
