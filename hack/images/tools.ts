import { ensurePackages, type Requirement } from '../env/packages.js';

/** What building needs: buildah (daemonless images from Dockerfiles and directories) and mmdebstrap (Debian root filesystems). */
const buildTools: Requirement[] = [
  { pkg: 'buildah', provides: '/usr/bin/buildah' },
  { pkg: 'mmdebstrap', provides: '/usr/bin/mmdebstrap' },
];

/** What running an image without a node needs (tests): podman and an OCI runtime. */
const runTools: Requirement[] = [
  { pkg: 'podman', provides: '/usr/bin/podman' },
  { pkg: 'crun', provides: '/usr/bin/crun' },
  { pkg: 'conmon', provides: '/usr/bin/conmon' },
];

/** Installs buildah and mmdebstrap through apt when missing (root, or passwordless sudo). */
export function ensureBuildTools(): Promise<void> {
  return ensurePackages(buildTools);
}

/** Installs podman through apt when missing. */
export function ensureRunTools(): Promise<void> {
  return ensurePackages(runTools);
}
