import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { info, step } from '../env/log.js';
import { run } from '../env/proc.js';
import { commitFromFiles, imageId, withImageFiles } from './buildah.js';
import { cacheKey } from './cache-key.js';
import { debianArch, type Base } from './debian.js';
import { packagePaths, statusStanza } from './dpkg.js';
import { nodeDistribution, nodePackage, nodeVersion } from './nodejs.js';
import { canonicalInRoot } from './rootfs-paths.js';

/**
 * What gcr.io/distroless/nodejs20-debian12 is made of: glibc and the C++ runtime Node.js links against,
 * time zones, /etc/services and the OS release files. Their programs are left out (no shell, no coreutils,
 * no package manager); the only executable in the image is /nodejs/bin/node.
 */
const packages = ['base-files', 'netbase', 'tzdata', 'libc6', 'libgcc-s1', 'gcc-12-base', 'libstdc++6'];

const excluded = [
  /^usr\/s?bin(\/|$)/,
  /^usr\/libexec(\/|$)/,
  /^usr\/share\/(man|info|locale|lintian|bug|menu)(\/|$)/,
  /^usr\/share\/doc\/[^/]+\/(?!copyright$)/,
];

const nonroot = { uid: 65532, gid: 65532, home: '/home/nonroot' };

const files: Record<string, string> = {
  'etc/passwd': [
    'root:x:0:0:root:/root:/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
    `nonroot:x:${nonroot.uid}:${nonroot.gid}:nonroot:${nonroot.home}:/sbin/nologin`,
    '',
  ].join('\n'),
  'etc/group': ['root:x:0:', 'nogroup:x:65534:', `nonroot:x:${nonroot.gid}:`, ''].join('\n'),
  'etc/nsswitch.conf': ['passwd: files', 'group: files', 'shadow: files', 'hosts: files dns', 'networks: files', 'protocols: files', 'services: files', ''].join('\n'),
};

/** The relative paths the runtime image takes from the Debian root filesystem at root. */
export function runtimePaths(root: string, arch: string): string[] {
  const paths = new Set<string>();
  for (const pkg of packages) {
    for (const p of packagePaths(root, pkg, arch)) {
      const rel = canonicalInRoot(root, p);
      if (rel && !excluded.some((re) => re.test(rel))) paths.add(rel);
    }
  }
  return [...paths].sort();
}

/**
 * The local stand-in for gcr.io/distroless/nodejs20-debian12:nonroot, assembled file by file from the Debian
 * base: Node.js at /nodejs/bin/node, the CA bundle, tzdata, /etc/passwd with nonroot (65532), no shell.
 */
export async function ensureRuntimeBase(debianRef: string): Promise<Base> {
  const arch = debianArch();
  const inputs = { debianRef, node: `${nodePackage()}@${nodeVersion}`, packages, excluded: excluded.map(String), files, nonroot };
  const ref = `localhost/dbwarden-base/nodejs20-runtime:nonroot-${cacheKey(inputs, ['hack/images/runtime-base.ts', 'hack/images/dpkg.ts', 'hack/images/rootfs-paths.ts', 'hack/images/nodejs.ts'])}`;
  if (await imageId(ref)) {
    info(`runtime base: cached (${ref})`);
    return { ref, built: false };
  }
  const dist = await nodeDistribution();
  await step(`Making the runtime base: distroless-like, Node.js ${nodeVersion} at /nodejs/bin/node (${ref})`, () =>
    withImageFiles(debianRef, (source) =>
      commitFromFiles('scratch', ref, async (root) => {
        // Copy with tar, so modes, symlinks and directories come across exactly as dpkg made them.
        const list = runtimePaths(source, arch);
        await copyTree(source, root, list);
        mkdirSync(join(root, 'etc', 'ssl', 'certs'), { recursive: true });
        copyFileSync(join(source, 'etc', 'ssl', 'certs', 'ca-certificates.crt'), join(root, 'etc', 'ssl', 'certs', 'ca-certificates.crt'));
        for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text, { mode: 0o644 });
        const statusDir = join(root, 'var', 'lib', 'dpkg', 'status.d');
        mkdirSync(statusDir, { recursive: true });
        for (const pkg of packages) writeFileSync(join(statusDir, pkg), statusStanza(source, pkg, arch));
        for (const dir of ['tmp', 'root', nonroot.home.slice(1), 'nodejs/bin']) mkdirSync(join(root, dir), { recursive: true });
        chmodSync(join(root, 'tmp'), 0o1777);
        chmodSync(join(root, 'root'), 0o700);
        chmodSync(join(root, nonroot.home.slice(1)), 0o700);
        chownSync(join(root, nonroot.home.slice(1)), nonroot.uid, nonroot.gid);
        // The dynamic loader's fixed path (/lib64/ld-linux-*.so.*) and the libraries' /lib paths, as in merged /usr.
        for (const link of ['lib', 'lib64']) if (!existsSync(join(root, link))) symlinkSync(`usr/${link}`, join(root, link));
        await run('tar', ['-xzf', dist.node, '-C', join(root, 'nodejs'), '--strip-components=1', '--no-same-owner', 'package/bin/node', 'package/LICENSE']);
      }, [
        '--user', String(nonroot.uid),
        '--workingdir', nonroot.home,
        '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--env', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
        '--entrypoint', '["/nodejs/bin/node"]',
        '--os', 'linux',
        '--arch', arch,
        '--label', `org.opencontainers.image.description=Node.js ${nodeVersion} on Debian bookworm files, like distroless nodejs20-debian12:nonroot; made by dbwarden's npm run images`,
      ])));
  return { ref, built: true };
}

/** Copies the listed paths (relative, parents before children) from one root to another with tar. */
async function copyTree(from: string, to: string, list: string[]): Promise<void> {
  await run('sh', ['-c', 'tar -C "$1" --no-recursion --null -T - -cf - | tar -C "$2" -xpf -', 'copy', from, to], {
    input: `${list.join('\0')}\0`,
  });
}
