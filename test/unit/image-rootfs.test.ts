/** The pure parts of the local runtime base's recipe: resolving paths inside a root filesystem, dpkg's records. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSize } from '../../hack/images/buildah.js';
import { packagePaths, statusStanza } from '../../hack/images/dpkg.js';
import { nodeRuntime } from '../../hack/images/load.js';
import { checkEngines } from '../../hack/images/nodejs.js';
import { canonicalInRoot } from '../../hack/images/rootfs-paths.js';

const root = mkdtempSync(join(tmpdir(), 'dbwarden-rootfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A merged-/usr layout like Debian bookworm's: /lib -> usr/lib, /lib64 -> usr/lib64, and an absolute link.
mkdirSync(join(root, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
mkdirSync(join(root, 'usr/lib64'), { recursive: true });
mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true });
symlinkSync('usr/lib', join(root, 'lib'));
symlinkSync('usr/lib64', join(root, 'lib64'));
symlinkSync('/usr/lib', join(root, 'usr/abs'));
writeFileSync(join(root, 'usr/lib/x86_64-linux-gnu/libc.so.6'), '');
symlinkSync('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', join(root, 'usr/lib64/ld-linux-x86-64.so.2'));
writeFileSync(join(root, 'var/lib/dpkg/info/libc6:amd64.list'), '/.\n/lib64\n/lib64/ld-linux-x86-64.so.2\n/lib/x86_64-linux-gnu/libc.so.6\n');
writeFileSync(join(root, 'var/lib/dpkg/status'), [
  'Package: libc6', 'Status: install ok installed', 'Architecture: arm64', 'Version: 2.36', '',
  'Package: libc6', 'Status: install ok installed', 'Architecture: amd64', 'Version: 2.36-9', ' a continuation', '',
  'Package: tzdata', 'Architecture: all', 'Version: 2025b', '',
].join('\n'));

describe('canonicalInRoot', () => {
  it('follows directory symlinks inside the root, absolute ones too, and keeps the last component', () => {
    expect(canonicalInRoot(root, '/lib/x86_64-linux-gnu/libc.so.6')).toBe('usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(canonicalInRoot(root, '/lib64/ld-linux-x86-64.so.2')).toBe('usr/lib64/ld-linux-x86-64.so.2');
    expect(canonicalInRoot(root, '/usr/abs/x86_64-linux-gnu')).toBe('usr/lib/x86_64-linux-gnu');
    expect(canonicalInRoot(root, '/lib')).toBe('lib');
    expect(canonicalInRoot(root, '/not/there')).toBe('not/there');
  });
});

describe('dpkg records', () => {
  it('lists a Multi-Arch package by its arch-qualified name, without the root itself', () => {
    expect(packagePaths(root, 'libc6', 'amd64')).toEqual(['/lib64', '/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libc.so.6']);
  });

  it("picks the package's status stanza for this architecture (or all)", () => {
    expect(statusStanza(root, 'libc6', 'amd64')).toContain('Version: 2.36-9\n a continuation\n');
    expect(statusStanza(root, 'tzdata', 'amd64')).toContain('Version: 2025b');
    expect(() => statusStanza(root, 'bash', 'amd64')).toThrow(/no status entry/);
  });
});

describe('image helpers', () => {
  it("reads buildah's sizes", () => {
    expect(parseSize('137 MB')).toBe(137e6);
    expect(parseSize('1.2 GB')).toBe(1.2e9);
    expect(parseSize('5.5 kB')).toBe(5500);
  });

  it("keeps the images' Node.js within package.json's engines major", () => {
    expect(() => checkEngines()).not.toThrow();
    expect(() => checkEngines('22.12.0')).toThrow(/does not match/);
    expect(() => checkEngines('20.18.3')).toThrow(/does not match/);
  });
});

describe('the loader', () => {
  it('finds the node in state.node only when both the socket (alive) and ctr are recorded', () => {
    expect(nodeRuntime({})).toBeUndefined();
    expect(nodeRuntime({ node: { containerdSocket: '/nonexistent/containerd.sock', ctr: '/usr/bin/ctr' } })).toBeUndefined();
    expect(nodeRuntime({ node: { containerdSocket: root } })).toBeUndefined();
    expect(nodeRuntime({ node: { containerdSocket: root, ctr: '/opt/ctr' } })).toEqual({ containerdSocket: root, ctr: '/opt/ctr', criNamespace: 'k8s.io' });
    expect(nodeRuntime({ node: { containerdSocket: root, ctr: '/opt/ctr', criNamespace: 'other' } })?.criNamespace).toBe('other');
  });
});
