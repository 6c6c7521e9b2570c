import { ensurePackages, type Requirement } from '../env/packages.js';

/** What building needs: buildah (daemonless images from Dockerfiles and directories) and mmdebstrap (Debian root filesystems). */
const buildTools: Requirement[] = [
  { pkg: 'buildah', provides: '/usr/bin/buildah' },
  { pkg: 'mmdebstrap', provides: '/usr/bin/mmdebstrap' },
  // mmdebstrap checks Debian's archive signatures (Ubuntu hosts lack the keyring).
  { pkg: 'debian-archive-keyring', provides: '/usr/share/keyrings/debian-archive-keyring.gpg' },
];

/** What running an image without a node needs (tests): podman, an OCI runtime, and containerd to check the archives import. */
const runTools: Requirement[] = [
  { pkg: 'podman', provides: '/usr/bin/podman' },
  // runc, not crun: crun 1.8 refuses cgroup v1 hybrid hosts ("cgroups in hybrid mode not supported").
  { pkg: 'runc', provides: '/usr/sbin/runc' },
  { pkg: 'conmon', provides: '/usr/bin/conmon' },
  { pkg: 'containerd', provides: '/usr/bin/containerd' },
];

/** Installs buildah and mmdebstrap through apt when missing (root, or passwordless sudo). */
export function ensureBuildTools(): Promise<void> {
  return ensurePackages(buildTools);
}

/** Installs podman through apt when missing. */
export function ensureRunTools(): Promise<void> {
  return ensurePackages(runTools);
}
