/**
 * Steady state: with every policy converged, one full resync period must change nothing. Counted from outside
 * where possible:
 * - API writes: the API server's flow-control counter for the operator's identity (its writes only), and
 *   `apiserver_request_total` for the dbwarden-relevant resources (every client of the shared API server);
 *   plus which objects in the namespace changed resourceVersion and which Events appeared;
 * - database: the operator's `dbwarden_database_writes_total`; PostgreSQL's catalog tuples (a GRANT, REVOKE
 *   or ALTER ROLE writes a new tuple version even when it changes nothing, so their xmin tells); MariaDB's
 *   global Com_* statement counters (every client of the shared server).
 * - a resync really happened: `dbwarden_reconcile_total{controller="accesspolicy"}` rose by at least the
 *   number of policies.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { accessPolicies, databaseConnections, group, version } from '@dbwarden/api';
import type { EnvState } from '../hack/env/state.js';
import { mariadbAdmin, postgresAdmin } from '../test/support/databases.js';
import { required } from '../test/support/env.js';
import type { BenchDatabase } from './databases.js';
import type { OperatorIdentity } from './identity.js';
import { cpuSnapshot, cpuUsage, type CpuUsage } from './cpu.js';
import { diff, readCounters, waitQuiet, type Counters } from './operator-run.js';
import { apiserverMetrics, heartbeat, info, seconds, sleep, type Sample } from './support.js';

const relevantResources = new Set([accessPolicies.plural, databaseConnections.plural, 'secrets', 'events']);
const writeVerbs = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'CREATE', 'UPDATE', 'DELETECOLLECTION']);
const mariadbPrivilegeCounters = ['Com_grant', 'Com_grant_role', 'Com_revoke', 'Com_revoke_all', 'Com_revoke_role',
  'Com_create_user', 'Com_alter_user', 'Com_drop_user', 'Com_rename_user', 'Com_create_role', 'Com_drop_role', 'Com_kill'];

export interface SteadyStateResult {
  windowSeconds: number;
  /** The operator's own counters over the window (apiWrites from the API server, by its identity). */
  operator: Counters;
  /** apiserver_request_total writes to accesspolicies, databaseconnections, secrets and events: all clients. */
  apiWritesAllClients: Record<string, number>;
  /** Objects in the benchmark's namespace whose resourceVersion changed, and Events created there. */
  changedObjects: string[];
  newEvents: string[];
  /** PostgreSQL catalogs with a row of the principals, tables, columns, schemas or database rewritten (none: unchanged). */
  postgresCatalogsChanged: string[];
  /** MariaDB global Com_* counters that moved (all clients of the server). */
  mariadbStatementsAllClients: Record<string, number>;
  /** Where the CPU went during the window: what the resync of converged policies costs. */
  cpu: CpuUsage;
}

function apiWritesByResource(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== 'apiserver_request_total' || !relevantResources.has(s.labels.resource ?? '') || !writeVerbs.has(s.labels.verb ?? '')) continue;
    const key = `${s.labels.verb} ${s.labels.resource}${s.labels.subresource ? `/${s.labels.subresource}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

async function resourceVersions(admin: KubeConfig, namespace: string): Promise<Map<string, string>> {
  const objects = admin.makeApiClient(CustomObjectsApi);
  const core = admin.makeApiClient(CoreV1Api);
  const out = new Map<string, string>();
  const add = (kind: string, items: KubernetesObject[]): void => {
    for (const o of items) out.set(`${kind}/${o.metadata?.name}`, o.metadata?.resourceVersion ?? '');
  };
  for (const plural of [accessPolicies.plural, databaseConnections.plural]) {
    const list = (await objects.listNamespacedCustomObject({ group, version, namespace, plural })) as { items: KubernetesObject[] };
    add(plural, list.items);
  }
  add('secrets', (await core.listNamespacedSecret({ namespace })).items);
  return out;
}

async function eventNames(admin: KubeConfig, namespace: string): Promise<Set<string>> {
  const list = await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return new Set(list.items.map((e) => `${e.metadata?.name}: ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name} ×${e.count ?? 1}`));
}

/**
 * Fingerprints of the catalog rows a privilege-changing statement rewrites (their xmin changes), by catalog:
 * the database's tables, columns, schemas, default privileges and database row, and the roles of the
 * namespace's policies (pg_authid, pg_auth_members, pg_shdescription are shared by the whole server, so only
 * the rows of roles whose dbwarden marker names this namespace).
 */
async function postgresCatalog(db: BenchDatabase, namespace: string): Promise<Map<string, string>> {
  const client = postgresAdmin(required('PGSSLROOTCERT'), db.database);
  await client.connect();
  try {
    const { rows } = await client.query<{ catalog: string; fingerprint: string }>(`
      WITH ours AS (
        SELECT r.oid FROM pg_authid r WHERE shobj_description(r.oid, 'pg_authid') LIKE 'managed by dbwarden: accesspolicy ' || $1 || '/%'
      )
      SELECT catalog, md5(string_agg(x, ',' ORDER BY x)) || ' (' || count(*) || ')' AS fingerprint FROM (
        SELECT 'pg_class', c.oid || ' ' || c.xmin FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
        UNION ALL SELECT 'pg_attribute', a.attrelid || '.' || a.attnum || ' ' || a.xmin
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
        UNION ALL SELECT 'pg_namespace', n.oid || ' ' || n.xmin FROM pg_namespace n
        UNION ALL SELECT 'pg_database', d.oid || ' ' || d.xmin FROM pg_database d WHERE d.datname = current_database()
        UNION ALL SELECT 'pg_default_acl', d.oid || ' ' || d.xmin FROM pg_default_acl d
        UNION ALL SELECT 'pg_authid', r.oid || ' ' || r.xmin FROM pg_authid r WHERE r.oid IN (SELECT oid FROM ours)
        UNION ALL SELECT 'pg_auth_members', m.roleid || ' ' || m.member || ' ' || m.xmin FROM pg_auth_members m
          WHERE m.roleid IN (SELECT oid FROM ours) OR m.member IN (SELECT oid FROM ours)
        UNION ALL SELECT 'pg_shdescription', s.objoid || ' ' || s.xmin FROM pg_shdescription s
          WHERE s.classoid = 'pg_authid'::regclass AND s.objoid IN (SELECT oid FROM ours)
      ) t(catalog, x) GROUP BY catalog`, [namespace]);
    return new Map(rows.map((r) => [r.catalog, r.fingerprint]));
  } finally {
    await client.end();
  }
}

async function mariadbCounters(): Promise<Map<string, number>> {
  const conn = await mariadbAdmin();
  try {
    const [rows] = await conn.query('SHOW GLOBAL STATUS WHERE Variable_name IN (?)', [mariadbPrivilegeCounters]);
    return new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, Number(r.Value)]));
  } finally {
    await conn.end();
  }
}

export async function measureSteadyState(opts: {
  admin: KubeConfig;
  env: EnvState;
  identity: OperatorIdentity;
  operatorPort: number;
  namespace: string;
  postgres: BenchDatabase[];
  resyncMs: number;
  policies: number;
  operatorPid: number;
}): Promise<SteadyStateResult> {
  const read = (): Promise<Counters> => readCounters(opts.env, opts.operatorPort, opts.identity);
  await waitQuiet(read, 5_000, 120_000);

  // Everything that would show a write, taken before and after the window.
  const snapshot = async () => ({
    counters: await read(),
    api: apiWritesByResource(await apiserverMetrics(opts.env)),
    versions: await resourceVersions(opts.admin, opts.namespace),
    events: await eventNames(opts.admin, opts.namespace),
    pg: await Promise.all(opts.postgres.map((db) => postgresCatalog(db, opts.namespace))),
    my: await mariadbCounters(),
  });
  const before = await snapshot();
  // Every key is requeued one (jittered, ±10%) resync period after its last pass: wait that long, plus margin.
  const windowMs = Math.round(opts.resyncMs * 1.1) + 15_000;
  info(`  steady state: watching one full resync (${seconds(windowMs)}s window) for writes`);
  const t0 = Date.now();
  const stopHeartbeat = heartbeat(10_000, (s) => `steady state: ${s}s of ${seconds(windowMs)}s`);
  const cpuBefore = cpuSnapshot();
  try {
    await sleep(windowMs);
  } finally {
    stopHeartbeat();
  }
  const cpu = cpuUsage(cpuBefore, cpuSnapshot(), opts.env, opts.operatorPid);
  const after = await snapshot();

  const apiWritesAllClients: Record<string, number> = {};
  for (const [key, value] of after.api) {
    const delta = value - (before.api.get(key) ?? 0);
    if (delta > 0) apiWritesAllClients[key] = delta;
  }
  const mariadbStatementsAllClients: Record<string, number> = {};
  for (const [key, value] of after.my) {
    const delta = value - (before.my.get(key) ?? 0);
    if (delta > 0) mariadbStatementsAllClients[key] = delta;
  }
  const operator = diff(after.counters, before.counters);
  if (operator.reconciles < opts.policies) {
    info(`  warning: only ${operator.reconciles} accesspolicy reconciles in the window (expected ≥ ${opts.policies}): the resync did not cover every policy`);
  }
  return {
    windowSeconds: seconds(Date.now() - t0),
    operator,
    apiWritesAllClients,
    changedObjects: [...after.versions].filter(([k, v]) => before.versions.get(k) !== v).map(([k]) => k),
    newEvents: [...after.events].filter((e) => !before.events.has(e)),
    postgresCatalogsChanged: after.pg.flatMap((catalogs, i) => [...catalogs].filter(([k, v]) => before.pg[i]?.get(k) !== v).map(([k]) => k)),
    mariadbStatementsAllClients,
    cpu,
  };
}
