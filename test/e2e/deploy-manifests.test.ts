/**
 * What users install is what the API server accepts: config/default (kustomize) and the Helm chart with
 * several value combinations are applied with --dry-run=server and strict field validation (CRDs applied
 * first, namespaces created), their pods pass the `restricted` Pod Security Standard, the CRD copies match
 * crds/, and the chart's RBAC is config/rbac's and config/console's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { crdCopyDirs, crdNames, expectedCrdCopies } from '../../hack/helm-crds.js';
import { ensureHelm } from '../../hack/helm.js';
import { loadConfig as loadOperatorConfig } from '../../operator/src/config.js';
import { applyCrds } from '../support/crds.js';
import {
  applyServiceMonitorCrd, chartDir, dryRunApply, ensureNamespaces, helmLint, helmTemplate, kubectl, kustomize, parseManifests,
  type Manifest, type TemplateOptions,
} from '../support/helm.js';
import { eventually, uniqueName } from '../support/kube.js';

const root = join(import.meta.dirname, '..', '..');
const setupTimeout = 600_000;

const readManifests = (file: string): Manifest[] => parseManifests(readFileSync(join(root, file), 'utf8'));
const find = (manifests: Manifest[], kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
};
const rulesOf = (m: Manifest): unknown => m.rules;
const podSpecOf = (m: Manifest): Record<string, unknown> =>
  (m as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
const key = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;

// Namespaces made for this run: the namespace-scoped value combination installs into one and watches two.
const team = uniqueName('deploy-team');
const watched = [uniqueName('deploy-a'), uniqueName('deploy-b')];
const restricted = uniqueName('deploy-psa');

/** The value combinations the chart is tested with; each must lint, render and be accepted by the API server. */
const combinations: Record<string, TemplateOptions> = {
  defaults: {},
  'namespace-scoped, ingress, AI Secret, ServiceMonitors, pinned digests': {
    release: 'dbwarden-team',
    namespace: team,
    values: {
      watchNamespaces: watched,
      imagePullSecrets: [{ name: 'registry' }],
      commonLabels: { team: 'data' },
      operator: {
        image: { repository: 'registry.example.com/dbwarden-operator', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
        replicas: 3,
        workers: 8,
        resyncPeriod: '1m',
        logLevel: 'debug',
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        maxOldSpaceSizeMiB: 768,
        serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } },
        serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'dbwarden-operator' } } }],
        extraEnv: [{ name: 'TZ', value: 'UTC' }],
      },
      console: {
        replicas: 3,
        image: { tag: '0.1.1' },
        ai: { existingSecret: 'dbwarden-ai', secretKey: 'api-key', baseURL: 'http://ollama.ai.svc:11434/v1', model: 'llama3.1', timeout: '2m' },
        userClusterRole: { create: false },
        ingress: {
          enabled: true,
          className: 'nginx',
          annotations: { 'nginx.ingress.kubernetes.io/affinity': 'cookie' },
          hosts: [{ host: 'dbwarden.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }],
          tls: [{ secretName: 'dbwarden-tls', hosts: ['dbwarden.example.com'] }],
        },
        networkPolicy: {
          apiServer: { ports: [6443], cidrs: ['10.0.0.1/32'] },
          databases: { ports: [5432], cidrs: ['10.20.0.0/16'], peers: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'shop-db' } } }] },
          ai: { ports: [11434], cidrs: ['10.30.0.0/24'] },
          ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
          extraEgress: [{ ports: [{ port: 8200, protocol: 'TCP' }] }],
        },
        serviceMonitor: { enabled: true },
      },
    },
  },
  'operator only, one replica, no PDB or metrics Service': {
    release: 'dbw',
    values: {
      operator: { replicas: 1, leaderElection: { enabled: false }, podDisruptionBudget: { enabled: false }, metrics: { service: { enabled: false, port: 8080 } } },
      console: { enabled: false },
    },
  },
  'console as NodePort without NetworkPolicy or affinity': {
    values: { console: { service: { type: 'NodePort', port: 8080, sessionAffinity: 'None' }, networkPolicy: { enabled: false }, podDisruptionBudget: { enabled: false } } },
  },
};

beforeAll(async () => {
  await ensureHelm(); // built from its Go module on first use: minutes on a fresh machine
  await applyCrds();
  await applyServiceMonitorCrd();
  await ensureNamespaces(['dbwarden-system', team, ...watched]);
  await ensureNamespaces([restricted], { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
  // Pods in the Pod Security check run as the namespace's default ServiceAccount, made by the controller.
  await eventually('the default ServiceAccount', async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', restricted, '-o', 'name'])).trim());
}, setupTimeout);

afterAll(async () => {
  await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', team, ...watched, restricted]).catch(() => undefined);
});

describe('CRDs', () => {
  it('has generated copies of crds/ in the chart and in config/crd, byte for byte after a header', () => {
    for (const copy of expectedCrdCopies()) {
      expect(readFileSync(join(root, copy.path), 'utf8'), `${copy.path} drifted from crds/: run \`npx tsx hack/helm-crds.ts\``).toBe(copy.content);
    }
    for (const dir of crdCopyDirs) expect(readdirSync(join(root, dir)).sort()).toEqual([...crdNames].sort());
  });

  it('installs exactly those CRDs with kustomize and with Helm', async () => {
    const source = crdNames.map((n) => readManifests(join('crds', n))[0]);
    const crdsOf = (manifests: Manifest[]): Manifest[] => manifests.filter((m) => m.kind === 'CustomResourceDefinition')
      .sort((a, b) => crdNames.indexOf(`${a.metadata.name}.yaml`) - crdNames.indexOf(`${b.metadata.name}.yaml`));
    expect(crdsOf(parseManifests(await kustomize('config/default')))).toEqual(source);
    expect(crdsOf(parseManifests(await helmTemplate({ includeCrds: true })))).toEqual(source);
  });
});

describe('RBAC has one source', () => {
  it("binds config/rbac's operator rules in the chart: ClusterRole, or a Role per watched namespace", async () => {
    const expected = rulesOf(find(readManifests('config/rbac/operator-clusterrole.yaml'), 'ClusterRole', 'dbwarden-operator'));
    const clusterWide = parseManifests(await helmTemplate());
    expect(rulesOf(find(clusterWide, 'ClusterRole', 'dbwarden-operator'))).toEqual(expected);
    expect(rulesOf(find(clusterWide, 'Role', 'dbwarden-operator-leader-election')))
      .toEqual(rulesOf(find(readManifests('config/rbac/leader-election-role.yaml'), 'Role', 'dbwarden-operator-leader-election')));

    const scoped = parseManifests(await helmTemplate(combinations['namespace-scoped, ingress, AI Secret, ServiceMonitors, pinned digests']));
    const roles = scoped.filter((m) => m.kind === 'Role' && m.metadata.name === 'dbwarden-team-operator');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual([...watched].sort());
    for (const role of roles) expect(rulesOf(role)).toEqual(expected);
    expect(scoped.filter((m) => m.kind === 'ClusterRole' && m.metadata.name.includes('operator'))).toEqual([]);
    const args = (podSpecOf(find(scoped, 'Deployment', 'dbwarden-team-operator')).containers as { args: string[] }[])[0]?.args;
    expect(args).toContain(`--namespaces=${watched.join(',')}`);
  });

  it("gives the console config/console's rules in both modes, and no Secret access: the operator grants that", async () => {
    const consoleRbac = readManifests('config/console/rbac.yaml');
    const expected = rulesOf(find(consoleRbac, 'ClusterRole', 'dbwarden-console')) as { resources: string[] }[];
    expect(expected.some((r) => r.resources.includes('secrets'))).toBe(false);
    const chart = parseManifests(await helmTemplate());
    expect(rulesOf(find(chart, 'ClusterRole', 'dbwarden-console'))).toEqual(expected);
    expect(rulesOf(find(chart, 'ClusterRole', 'dbwarden-console-user')))
      .toEqual(rulesOf(find(readManifests('config/console/user-clusterrole.yaml'), 'ClusterRole', 'dbwarden-console-user')));

    const scoped = parseManifests(await helmTemplate(combinations['namespace-scoped, ingress, AI Secret, ServiceMonitors, pinned digests']));
    expect(rulesOf(find(scoped, 'ClusterRole', 'dbwarden-team-console'))).toEqual(expected);
    expect(scoped.filter((m) => ['Role', 'RoleBinding'].includes(m.kind) && m.metadata.name.includes('console'))).toEqual([]);
  });

  it("tells the operator the console's ServiceAccount; without the console, no such name and no rule for Roles", async () => {
    const argsOf = (manifests: Manifest[], name: string): string[] =>
      (podSpecOf(find(manifests, 'Deployment', name)).containers as { args: string[] }[])[0]!.args;
    const kustomized = parseManifests(await kustomize('config/default'));
    expect(argsOf(kustomized, 'dbwarden-operator')).toContain('--console-service-account=dbwarden-console');
    expect(podSpecOf(find(kustomized, 'Deployment', 'dbwarden-console')).serviceAccountName).toBe('dbwarden-console');
    const scoped = parseManifests(await helmTemplate(combinations['namespace-scoped, ingress, AI Secret, ServiceMonitors, pinned digests']));
    expect(argsOf(scoped, 'dbwarden-team-operator')).toContain('--console-service-account=dbwarden-team-console');
    expect(podSpecOf(find(scoped, 'Deployment', 'dbwarden-team-console')).serviceAccountName).toBe('dbwarden-team-console');

    const withoutConsole = parseManifests(await helmTemplate(combinations['operator only, one replica, no PDB or metrics Service']));
    expect(argsOf(withoutConsole, 'dbw-dbwarden-operator')).toContain('--console-service-account=');
    const rbacRule = { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['list', 'watch', 'create', 'update', 'delete'] };
    const kustomizeRules = rulesOf(find(readManifests('config/rbac/operator-clusterrole.yaml'), 'ClusterRole', 'dbwarden-operator')) as object[];
    expect(kustomizeRules).toContainEqual(rbacRule);
    expect(rulesOf(find(withoutConsole, 'ClusterRole', 'dbw-dbwarden-operator'))).toEqual(kustomizeRules.filter((r) => JSON.stringify(r) !== JSON.stringify(rbacRule)));
  });
});

describe('kustomize and Helm agree', () => {
  it('make the same objects, with the same pod security, probes and ports', async () => {
    const kustomized = parseManifests(await kustomize('config/default')).filter((m) => !['Namespace', 'CustomResourceDefinition'].includes(m.kind));
    const chart = parseManifests(await helmTemplate());
    expect(chart.map(key).sort()).toEqual(kustomized.map(key).sort());
    for (const name of ['dbwarden-operator', 'dbwarden-console']) {
      const [a, b] = [podSpecOf(find(kustomized, 'Deployment', name)), podSpecOf(find(chart, 'Deployment', name))];
      expect(b.securityContext).toEqual(a.securityContext);
      expect(b.serviceAccountName).toEqual(a.serviceAccountName);
      const pick = (spec: Record<string, unknown>): unknown => (spec.containers as Record<string, unknown>[]).map((c) => (
        { securityContext: c.securityContext, ports: c.ports, livenessProbe: c.livenessProbe, readinessProbe: c.readinessProbe, resources: c.resources }));
      expect(pick(b)).toEqual(pick(a));
    }
  });
});

/** The operator's metrics and health port as the operator itself resolves it from the container's args. */
function operatorPort(deployment: Manifest): number {
  const container = (podSpecOf(deployment).containers as { name: string; args?: string[] }[]).find((c) => c.name === 'operator')!;
  const config = loadOperatorConfig(container.args ?? [], {});
  if (config === 'help') throw new Error('--help in the operator args');
  return config.metricsPort;
}

describe("the operator's metrics and health port", () => {
  it('is the one the container, probes, metrics Service and ServiceMonitor use, in kustomize and in the chart', async () => {
    const renders: [string, Manifest[], string][] = [
      ['config/default', parseManifests(await kustomize('config/default')), 'dbwarden-operator'],
      ['the chart', parseManifests(await helmTemplate()), 'dbwarden-operator'],
      ['the chart with ServiceMonitors', parseManifests(await helmTemplate(combinations['namespace-scoped, ingress, AI Secret, ServiceMonitors, pinned digests'])), 'dbwarden-team-operator'],
    ];
    for (const [what, manifests, name] of renders) {
      const deployment = find(manifests, 'Deployment', name);
      const port = operatorPort(deployment);
      expect(port, `${what}: the operator's port must not be the console's`).not.toBe(8080);
      type Probe = { httpGet: { port: number | string } };
      const container = (podSpecOf(deployment).containers as { name: string; ports: { name: string; containerPort: number }[]; startupProbe?: Probe; livenessProbe: Probe; readinessProbe: Probe }[])
        .find((c) => c.name === 'operator')!;
      expect(container.ports, what).toEqual([{ name: 'metrics', containerPort: port, protocol: 'TCP' }]);
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        expect([port, 'metrics'], what).toContain(probe?.httpGet.port);
      }
      const service = find(manifests, 'Service', `${name}-metrics`) as Manifest & { spec: { ports: { name: string; targetPort: number | string }[]; selector: Record<string, string> } };
      expect(service.spec.ports.map((p) => p.targetPort), what).toEqual(['metrics']);
      for (const monitor of manifests.filter((m) => m.kind === 'ServiceMonitor' && m.metadata.name === name)) {
        const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
        expect(spec.endpoints.map((e) => e.port), what).toEqual(service.spec.ports.map((p) => p.name));
        expect(service.metadata.labels, what).toMatchObject(spec.selector.matchLabels);
      }
    }
  });
});

describe('helm lint', () => {
  it.each(Object.entries(combinations))('passes with %s', async (_name, options) => {
    const out = await helmLint(options.values);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  }, setupTimeout);

  it('refuses values the schema does not know, and several replicas without leader election', async () => {
    await expect(helmTemplate({ values: { operator: { replicaCount: 2 } } })).rejects.toThrow(/additional properties 'replicaCount' not allowed/);
    await expect(helmTemplate({ values: { watchNamespaces: ['Not_A_Namespace'] } })).rejects.toThrow(/does not match pattern/);
    await expect(helmTemplate({ values: { operator: { replicas: 2, leaderElection: { enabled: false } } } })).rejects.toThrow(/needs operator.leaderElection.enabled=true/);
  });
});

/** Every Deployment's pod template, as a Pod in a namespace enforcing the restricted Pod Security Standard. */
async function checkPodSecurity(manifests: Manifest[]): Promise<void> {
  const pods = manifests.filter((m) => m.kind === 'Deployment').map((d) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: uniqueName(d.metadata.name).slice(0, 63), namespace: restricted },
    spec: { ...podSpecOf(d), serviceAccountName: 'default' },
  }));
  expect(pods.length).toBeGreaterThan(0);
  const { stdout, stderr } = await dryRunApply(pods.map((p) => stringify(p)).join('---\n'));
  expect(stderr).toBe('');
  expect(stdout.trim().split('\n')).toHaveLength(pods.length);
}

/** Dry-runs everything, and checks the API server neither refused nor warned about anything. */
async function accepted(manifests: Manifest[], rendered: string): Promise<void> {
  const { stdout, stderr } = await dryRunApply(rendered);
  expect(stderr).toBe('');
  expect(stdout.trim().split('\n')).toHaveLength(manifests.length);
  for (const line of stdout.trim().split('\n')) expect(line).toMatch(/ serverside-applied \(server dry run\)$/);
}

describe('the API server accepts', () => {
  it('(control: it refuses a pod that does not meet the restricted standard in the Pod Security namespace)', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unconfined', namespace: restricted }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await expect(dryRunApply(stringify(pod))).rejects.toThrow(/violates PodSecurity "restricted:latest"/);
  });

  it('config/default, and its pods meet the restricted Pod Security Standard', async () => {
    const rendered = await kustomize('config/default');
    const manifests = parseManifests(rendered);
    expect(manifests.map((m) => m.kind)).toEqual(expect.arrayContaining(['Namespace', 'CustomResourceDefinition', 'Deployment', 'PodDisruptionBudget', 'NetworkPolicy', 'Service']));
    await accepted(manifests, rendered);
    await checkPodSecurity(manifests);
    expect(find(manifests, 'Namespace', 'dbwarden-system').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it.each(Object.entries(combinations))('the chart with %s, and its pods meet the restricted Pod Security Standard', async (_name, options) => {
    const rendered = await helmTemplate({ ...options, includeCrds: true });
    const manifests = parseManifests(rendered);
    await accepted(manifests, rendered);
    await checkPodSecurity(manifests);
  }, setupTimeout);
});

describe('chart layout', () => {
  it('ships values.schema.json, and its CRDs only in crds/ (installed before templates, never templated)', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as { additionalProperties: boolean };
    expect(schema.additionalProperties).toBe(false);
    for (const file of readdirSync(join(chartDir, 'templates'))) {
      expect(readFileSync(join(chartDir, 'templates', file), 'utf8')).not.toMatch(/kind: CustomResourceDefinition/);
    }
  });
});
