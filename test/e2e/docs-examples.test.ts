/**
 * The install examples in the docs, rendered as people would render them: the kustomize overlay of
 * docs/install.md (on the local config/default instead of the GitHub URL), every `helm install` line there
 * (its --set values and the values files the docs show), and the GitOps examples' chart values
 * (docs/gitops/). In each, the console's NetworkPolicy must let it reach the model at the port of the URL it
 * is given, and an AI key Secret the examples name must be optional (the console runs until it exists). And
 * the resource names install.md gives for a release are the chart's.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { helmTemplate, kustomize, parseManifests, type Manifest } from '../support/helm.js';
import { uniqueName } from '../support/kube.js';

const root = join(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const installDoc = read('docs/install.md');
const blocks = (lang: string): string[] => [...installDoc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const scratch: string[] = [];

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }
interface Port { port?: number | string; endPort?: number; protocol?: string }
interface NetworkPolicy { spec: { policyTypes?: string[]; egress?: { ports?: Port[] }[] } }

/** Does an egress rule of the policy let TCP traffic out to this port (to some destination)? */
function admitsEgress(policy: NetworkPolicy, port: number): boolean {
  if (!(policy.spec.policyTypes ?? []).includes('Egress')) return true;
  return (policy.spec.egress ?? []).some((rule) => !rule.ports?.length || rule.ports.some((p) =>
    (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port || (typeof p.port === 'number' && p.endPort !== undefined && port >= p.port && port <= p.endPort))));
}

/** The console's AI settings in rendered manifests, checked against its NetworkPolicy. */
function checkConsoleAi(what: string, manifests: Manifest[]): void {
  const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.labels?.['app.kubernetes.io/name'] === 'dbwarden-console');
  expect(deployment, `${what}: the console Deployment`).toBeDefined();
  const containers = (deployment as unknown as { spec: { template: { spec: { containers: { name: string; env?: EnvVar[] }[] } } } }).spec.template.spec.containers;
  const env = containers.find((c) => c.name === 'console')!.env ?? [];
  // The last entry of a name wins, as in Kubernetes.
  const baseURL = env.filter((e) => e.name === 'OPENAI_BASE_URL').at(-1)?.value ?? 'https://api.openai.com/v1';
  const url = new URL(baseURL);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const policy = manifests.find((m) => m.kind === 'NetworkPolicy' && m.metadata.labels?.['app.kubernetes.io/name'] === 'dbwarden-console') as unknown as NetworkPolicy | undefined;
  if (policy) expect(admitsEgress(policy, port), `${what}: the console's NetworkPolicy admits the model at ${baseURL} (port ${port})`).toBe(true);
  for (const e of env.filter((e) => e.valueFrom?.secretKeyRef)) {
    expect(e.valueFrom!.secretKeyRef!.optional, `${what}: ${e.name} from Secret ${e.valueFrom!.secretKeyRef!.name} is optional`).toBe(true);
  }
}

/** `--set a.b=c` as Helm reads it: dotted paths, `{x,y}` lists, numbers and booleans. */
function setValue(values: Record<string, unknown>, assignment: string): void {
  const [path, raw = ''] = assignment.replace(/^'|'$/g, '').split(/=(.*)/s);
  const value: unknown = /^\{.*\}$/.test(raw) ? raw.slice(1, -1).split(',').filter(Boolean).map((v) => (/^\d+$/.test(v) ? Number(v) : v))
    : /^(true|false)$/.test(raw) ? raw === 'true' : /^\d+$/.test(raw) ? Number(raw) : raw;
  const keys = path!.split('.');
  let node = values;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/** The values files shown in the docs, by the name in their first line (`# ollama-values.yaml: ...`). */
const valuesFiles = new Map(blocks('yaml').flatMap((b) => {
  const m = /^# ([\w.-]+\.yaml)\b/.exec(b);
  return m ? [[m[1]!, parse(b) as Record<string, unknown>] as const] : [];
}));

/** Every `helm install|upgrade ... charts/dbwarden ...` line of docs/install.md, with the values it gives. */
function documentedHelmInstalls(): { line: string; values: Record<string, unknown> }[] {
  const lines = blocks('sh').join('\n').replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.replace(/#.*$/, '').trim())
    .concat(blocks('yaml').flatMap((b) => [...b.matchAll(/^# [\w.-]+\.yaml: (helm .*)$/gm)].map((m) => m[1]!)));
  return lines.filter((l) => /^helm (install|upgrade)\b.*charts\/dbwarden/.test(l)).map((line) => {
    const values: Record<string, unknown> = {};
    const words = line.match(/'[^']*'|\S+/g) ?? [];
    words.forEach((w, i) => {
      if (w === '--set') setValue(values, words[i + 1]!);
      if (w === '-f' || w === '--values') {
        const file = valuesFiles.get(words[i + 1]!);
        expect(file, `${line}: the docs show ${words[i + 1]}`).toBeDefined();
        Object.assign(values, file);
      }
    });
    return { line, values };
  });
}

describe('the documented install examples', () => {
  it("docs/install.md's kustomize overlay: the console reaches the model it is pointed at", async () => {
    const overlay = blocks('yaml').find((b) => b.startsWith('# my-dbwarden/kustomization.yaml'));
    expect(overlay).toBeDefined();
    const dir = join(root, '.dev', uniqueName('docs-overlay'));
    mkdirSync(dir, { recursive: true });
    scratch.push(dir);
    const kustomization = parse(overlay!) as { resources: string[] };
    expect(kustomization.resources).toEqual([expect.stringMatching(/\/\/config\/default\?ref=/)]);
    kustomization.resources = [relative(dir, join(root, 'config', 'default'))];
    writeFileSync(join(dir, 'kustomization.yaml'), stringify(kustomization));
    const manifests = parseManifests(await kustomize(relative(root, dir)));
    const env = JSON.stringify(manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'dbwarden-console'));
    expect(env, 'the overlay points the console at the model').toContain('ollama');
    checkConsoleAi('the kustomize overlay', manifests);
  });

  it("docs/install.md's helm install lines and values files", async () => {
    const installs = documentedHelmInstalls();
    expect(installs.map((i) => i.line)).toEqual(expect.arrayContaining([expect.stringContaining('existingSecret'), expect.stringContaining('-f ollama-values.yaml')]));
    for (const { line, values } of installs) checkConsoleAi(line, parseManifests(await helmTemplate({ values })));
  }, 120_000);

  it('the GitOps examples (Argo CD valuesObject, Flux HelmRelease values)', async () => {
    const argo = parse(read('docs/gitops/argocd/application-dbwarden.yaml')) as { spec: { source: { helm: { valuesObject: object } } } };
    const flux = parseManifests(read('docs/gitops/flux/dbwarden-helmrelease.yaml')).find((m) => m.kind === 'HelmRelease') as unknown as { spec: { values: object } };
    for (const [what, values] of [['Argo CD', argo.spec.source.helm.valuesObject], ['Flux', flux.spec.values]] as const) {
      expect(JSON.stringify(values)).toContain('existingSecret');
      checkConsoleAi(what, parseManifests(await helmTemplate({ values })));
    }
    // The Secret they name: docs/gitops.md says to create it, and how.
    expect(read('docs/gitops.md')).toContain('create secret generic dbwarden-console-ai');
  }, 120_000);

  it("docs/install.md's resource names: each release → name example is what the chart makes", async () => {
    const examples = [...installDoc.replace(/\s+/g, ' ').matchAll(/release `([a-z0-9-]+)` → `([a-z0-9-]+)`/g)].map((m) => ({ release: m[1]!, operator: m[2]! }));
    expect(examples.map((e) => e.release)).toEqual(expect.arrayContaining(['dbwarden', 'team-a']));
    for (const { release, operator } of examples) {
      const manifests = parseManifests(await helmTemplate({ release }));
      const named = (kind: string): string[] => manifests.filter((m) => m.kind === kind).map((m) => m.metadata.name);
      expect(named('Deployment'), release).toEqual(expect.arrayContaining([operator, operator.replace(/-operator$/, '-console')]));
      expect(named('ServiceAccount'), release).toContain(operator);
      const args = JSON.stringify(manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === operator));
      expect(args, `${release}: the Lease`).toContain(`--leader-election-id=${operator}`);
    }
  }, 120_000);

  it('(control: a model on a port the NetworkPolicy does not list is caught)', async () => {
    const manifests = parseManifests(await helmTemplate({ values: { console: { ai: { baseURL: 'http://ollama.ai.svc:11434/v1' } } } }));
    expect(() => checkConsoleAi('control', manifests)).toThrow(/admits the model/);
  });
});
