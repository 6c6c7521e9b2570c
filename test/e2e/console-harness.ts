/**
 * Sets up what the console's end-to-end suites need, all real: a namespace, the CRDs, a shop database, the
 * operator provisioning policies, the console's least-privilege RBAC from config/console (applied with the
 * test namespace in place of dbwarden-system) and nothing more: the operator, told that the console's
 * ServiceAccount lives in the test namespace, grants it the console-enabled policies' Secrets as it would in
 * a cluster. Users are ServiceAccounts with TokenRequest tokens; the fake OpenAI server; and the console
 * itself running in this process with a kubeconfig built from its own ServiceAccount token. Every response
 * body and log line is kept for the password check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { AccessPolicy, AccessPolicySpec } from '@dbwarden/api';
import { parseAllDocuments } from 'yaml';
import { loadConfig, type ConsoleConfig } from '../../console/server/config.js';
import { createLogger } from '../../console/server/logger.js';
import { startConsole, type RunningConsole } from '../../console/server/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { applyCrds } from '../support/crds.js';
import { eventually, kubeConfig, uniqueName } from '../support/kube.js';
import { startOperator, type RunningOperator } from '../support/operator.js';
import { Resources } from '../support/resources.js';
import { createShop, type EngineName, type ShopDatabase } from '../support/shop-db.js';

const root = join(import.meta.dirname, '..', '..');
const fieldManager = 'dbwarden-tests';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface Api {
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body: unknown): Promise<ApiResponse<T>>;
}

export interface ConsoleHarness {
  engine: EngineName;
  namespace: string;
  kc: KubeConfig;
  resources: Resources;
  db: ShopDatabase;
  operator: RunningOperator;
  fake: FakeOpenAI;
  console: RunningConsole;
  /** The console's own kubeconfig: its ServiceAccount's token, nothing else. */
  consoleKubeConfig: KubeConfig;
  /** Tokens of the users: alice may query every policy of the namespace, carol only `readonly`, bob none. */
  tokens: { alice: string; bob: string; carol: string };
  logs: string[];
  responses: string[];
  passwords: Set<string>;
  api(token?: string): Api;
  /** The policy's Secret (its password is remembered for the final check). */
  secretOf(policy: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  engine: EngineName;
  /** Policies to create and wait for (Ready) before the suite starts. */
  policies: Record<string, AccessPolicySpec>;
  /** Extra connections (spec changes against the shop connection) to create first. */
  connections?: Record<string, (base: ShopConnectionBase) => object>;
  env?: Record<string, string>;
}

export interface ShopConnectionBase {
  engine: EngineName;
  host: string;
  port: number;
  database: string;
  adminSecretRef: { name: string };
  tls: { mode: 'verify-full'; caSecretRef: { name: string } };
}

/** The manifests in config/console, with the test namespace for dbwarden-system and a per-namespace binding name. */
export function consoleRbacManifests(namespace: string): KubernetesObject[] {
  const docs = ['rbac.yaml', 'user-clusterrole.yaml']
    .flatMap((f) => parseAllDocuments(readFileSync(join(root, 'config', 'console', f), 'utf8')))
    .map((d) => d.toJS() as KubernetesObject & { subjects?: Array<{ namespace?: string }> });
  for (const doc of docs) {
    if (doc.metadata?.namespace === 'dbwarden-system') doc.metadata.namespace = namespace;
    if (doc.kind === 'ClusterRoleBinding') {
      doc.metadata = { ...doc.metadata, name: `dbwarden-console-${namespace}` };
      for (const s of doc.subjects ?? []) s.namespace = namespace;
    }
  }
  return docs;
}

/**
 * Waits until the console's own identity may read the Secret of every console-enabled policy among `names`:
 * the operator grants it just after it writes the Secret, and the API server's authorizer follows a moment later.
 */
export async function waitForConsoleAccess(consoleKubeConfig: KubeConfig, resources: Resources, names: string[]): Promise<void> {
  const core = consoleKubeConfig.makeApiClient(CoreV1Api);
  for (const name of names) {
    const policy = await resources.get<AccessPolicy>('accesspolicies', name);
    const secretName = policy?.status?.secretName;
    if (!policy?.spec.console?.enabled || !secretName) continue;
    await eventually(`the console to be granted Secret ${resources.namespace}/${secretName}`,
      async () => (await core.readNamespacedSecret({ namespace: resources.namespace, name: secretName })).metadata?.name === secretName);
  }
}

async function apply(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const o of objects) await client.patch(o, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}

async function tokenFor(core: CoreV1Api, namespace: string, name: string): Promise<string> {
  const request = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  if (!request.status?.token) throw new Error(`no token for ${namespace}/${name}`);
  return request.status.token;
}

/** A kubeconfig for the local API server that authenticates with a bearer token only. */
export function kubeConfigWithToken(admin: KubeConfig, token: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.server, skipTLSVerify: false, ...(cluster.caData ? { caData: cluster.caData } : {}), ...(cluster.caFile ? { caFile: cluster.caFile } : {}) }],
    users: [{ name: 'dbwarden-console', token }],
    contexts: [{ name: 'local', cluster: 'local', user: 'dbwarden-console' }],
    currentContext: 'local',
  });
  return kc;
}

export function testConsoleConfig(fake: FakeOpenAI | undefined, env: Record<string, string> = {}): ConsoleConfig {
  return loadConfig({
    PORT: '0',
    DBWARDEN_CONSOLE_HOST: '127.0.0.1',
    DBWARDEN_LOG_LEVEL: 'debug',
    ...(fake ? { OPENAI_API_KEY: 'sk-test-console-key', OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'fake-model' } : {}),
    OPENAI_MAX_RETRIES: '0',
    OPENAI_TIMEOUT: '3s',
    // RBAC changes in the suites take effect at once.
    DBWARDEN_CONSOLE_CACHE_TTL: '0s',
    DBWARDEN_CONSOLE_SHUTDOWN_TIMEOUT: '2s',
    ...env,
  });
}

export async function startHarness(options: HarnessOptions): Promise<ConsoleHarness> {
  const { engine } = options;
  const kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = uniqueName(`console-${engine}`);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await applyCrds(kc);
  const resources = new Resources(kc, namespace);
  const db = await createShop(engine);
  const passwords = new Set<string>([db.admin.password]);
  await resources.secret('db-admin', { username: db.admin.username, password: db.admin.password });
  await resources.secret('db-ca', { 'ca.crt': db.ca });
  // The console's ServiceAccount is dbwarden-console in the test namespace (consoleRbacManifests).
  const operator = await startOperator([namespace], [`--console-namespace=${namespace}`]);
  const base: ShopConnectionBase = {
    engine, host: db.host, port: db.port, database: db.database,
    adminSecretRef: { name: 'db-admin' }, tls: { mode: 'verify-full', caSecretRef: { name: 'db-ca' } },
  };
  await resources.connection('shop', base);
  for (const [name, spec] of Object.entries(options.connections ?? {})) await resources.connection(name, spec(base) as never);
  for (const [name, spec] of Object.entries(options.policies)) await resources.policy(name, spec);

  // RBAC: the console's own (from config/console), and three users.
  await apply(kc, consoleRbacManifests(namespace));
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  for (const user of ['alice', 'bob', 'carol']) await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: user } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'alice-queries' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dbwarden-console-user' },
      subjects: [{ kind: 'ServiceAccount', name: 'alice', namespace }],
    },
  });
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'query-readonly' }, rules: [{ apiGroups: ['dbwarden.io'], resources: ['accesspolicies'], verbs: ['query'], resourceNames: ['readonly'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'carol-queries' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'query-readonly' },
      subjects: [{ kind: 'ServiceAccount', name: 'carol', namespace }],
    },
  });
  const tokens = {
    alice: await tokenFor(core, namespace, 'alice'),
    bob: await tokenFor(core, namespace, 'bob'),
    carol: await tokenFor(core, namespace, 'carol'),
  };
  const consoleKubeConfig = kubeConfigWithToken(kc, await tokenFor(core, namespace, 'dbwarden-console'));

  for (const name of Object.keys(options.policies)) await resources.waitReady('accesspolicies', name, 'True', undefined, 90_000);
  await waitForConsoleAccess(consoleKubeConfig, resources, Object.keys(options.policies));

  const fake = await FakeOpenAI.start();
  const logs: string[] = [];
  const log = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const running = await startConsole({ config: testConsoleConfig(fake, options.env), kubeConfig: consoleKubeConfig, log });
  const responses: string[] = [];

  const request = async <T>(method: string, path: string, token: string | undefined, body?: unknown): Promise<ApiResponse<T>> => {
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    responses.push(text);
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  };

  return {
    engine, namespace, kc, resources, db, operator, fake, console: running, consoleKubeConfig, tokens, logs, responses, passwords,
    api: (token) => ({
      get: (path) => request('GET', path, token),
      post: (path, body) => request('POST', path, token, body),
    }),
    async secretOf(policy) {
      const p = await resources.get<AccessPolicy>('accesspolicies', policy);
      const secret = await resources.readSecret(p?.status?.secretName ?? `${policy}-credentials`);
      if (!secret) throw new Error(`no Secret for policy ${policy}`);
      if (secret.password) passwords.add(secret.password);
      return secret;
    },
    async close() {
      await running.close();
      await fake.close();
      await operator.stop();
      await db.close();
      await kc.makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: `dbwarden-console-${namespace}` }).catch(() => undefined);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    },
  };
}

/** Every password in the namespace's Secrets, plus those already seen. */
export async function allPasswords(h: ConsoleHarness): Promise<string[]> {
  const secrets = await h.resources.core.listNamespacedSecret({ namespace: h.namespace });
  for (const s of secrets.items) {
    for (const key of ['password', 'pending-password']) {
      const v = s.data?.[key];
      if (v) h.passwords.add(Buffer.from(v, 'base64').toString('utf8'));
    }
  }
  return [...h.passwords].filter((p) => p.length >= 8);
}
