import { join } from 'node:path';
import { ensureGoBuild, type GoBuild } from '../gobuild.js';
import { ensureLocalkube } from '../localkube.js';
import { repoRoot } from '../paths.js';

export const containerdVersion = 'v2.4.2';
export const kubeRouterVersion = 'v2.1.0';

const containerdBuild: GoBuild = {
  component: 'containerd',
  version: containerdVersion,
  sourceDir: join(repoRoot, 'hack', 'containerd'),
  packages: ['containerd', 'containerd-shim-runc-v2', 'ctr'].map((c) => `github.com/containerd/containerd/v2/cmd/${c}`),
  ldflags: [
    `-X github.com/containerd/containerd/v2/version.Version=${containerdVersion}`,
    '-X github.com/containerd/containerd/v2/version.Revision=dbwarden',
  ],
  // btrfs needs cgo; devmapper and zfs are snapshotters the node does not use.
  tags: ['no_btrfs', 'no_devmapper', 'no_zfs'],
  title: `containerd ${containerdVersion} (containerd, containerd-shim-runc-v2, ctr)`,
  coldEstimate: '2–5 min',
};

const kubeRouterBuild: GoBuild = {
  component: 'kube-router',
  version: kubeRouterVersion,
  sourceDir: join(repoRoot, 'hack', 'kube-router'),
  packages: ['github.com/cloudnativelabs/kube-router/v2/cmd/kube-router'],
  ldflags: [`-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=${kubeRouterVersion}`],
  title: `kube-router ${kubeRouterVersion} (network policy controller)`,
  coldEstimate: '2–6 min',
};

const nodetoolsBuild: GoBuild = {
  component: 'nodetools',
  version: 'v1',
  sourceDir: join(repoRoot, 'hack', 'nodetools'),
  packages: ['./pause', './oci-image', './forward', './probe'],
  title: 'node tools (pause, oci-image, forward, probe)',
  coldEstimate: 'under 1 min',
};

/** Every program the node runs, built from Go modules and cached (Debian's runc and CNI plugins aside). */
export interface NodeBinaries {
  localkube: string;
  containerd: string;
  shim: string;
  ctr: string;
  kubeRouter: string;
  pause: string;
  ociImage: string;
  forward: string;
  /** The static test workload (see hack/nodetools/probe). */
  probe: string;
}

export async function ensureNodeBinaries(): Promise<NodeBinaries> {
  const localkube = await ensureLocalkube();
  const containerd = await ensureGoBuild(containerdBuild);
  const kubeRouter = await ensureGoBuild(kubeRouterBuild);
  const tools = await ensureGoBuild(nodetoolsBuild);
  return {
    localkube,
    containerd: join(containerd, 'containerd'),
    shim: join(containerd, 'containerd-shim-runc-v2'),
    ctr: join(containerd, 'ctr'),
    kubeRouter: join(kubeRouter, 'kube-router'),
    pause: join(tools, 'pause'),
    ociImage: join(tools, 'oci-image'),
    forward: join(tools, 'forward'),
    probe: join(tools, 'probe'),
  };
}
