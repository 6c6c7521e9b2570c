/**
 * The API server refuses bad AccessPolicies and DatabaseConnections before the operator sees them (CRD
 * schema and CEL rules), and kubectl teaches the API (explain, printer columns, short names, category).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCrds } from '../support/crds.js';
import { required } from '../support/env.js';
import { kubeConfig, uniqueName } from '../support/kube.js';
import { Resources } from '../support/resources.js';
import { reservedLogins } from '../../operator/src/engines/system-objects.js';

const run = promisify(execFile);
let kc: KubeConfig;
let ns: string;
let r: Resources;

const kubectl = async (...args: string[]): Promise<string> =>
  (await run('kubectl', args, { env: { ...process.env, KUBECONFIG: required('KUBECONFIG') } })).stdout;

beforeAll(async () => {
  kc = kubeConfig();
  ns = uniqueName('crd');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await applyCrds(kc);
  r = new Resources(kc, ns);
});

afterAll(async () => {
  await kc?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
});

const rejection = async (create: Promise<unknown>): Promise<string> => {
  const err = await create.then(() => undefined, (e: { code?: number; body?: unknown }) => e);
  expect(err, 'the API server accepted it').toBeDefined();
  expect(err?.code).toBe(422);
  return typeof err?.body === 'string' ? err.body : JSON.stringify(err?.body);
};

describe('CRD validation', () => {
  it.each([
    ['a table name with SQL in it', { tables: [{ name: 'users; DROP TABLE users' }] }, 'spec.tables[0].name'],
    ['a quoted column', { tables: [{ name: 'users', columns: ['"email"'] }] }, 'spec.tables[0].columns[0]'],
    ['a hostile user name', { username: "x'); DROP ROLE postgres; --" }, 'spec.username'],
    ['an uppercase user name', { username: 'Admin' }, 'spec.username'],
    ['a schema with a dot', { schemas: ['public.x'] }, 'spec.schemas[0]'],
    ['the same table twice', { tables: [{ name: 'users' }, { schema: 'public', name: 'users' }] }, 'each table may be listed once'],
    ['a rotation interval below 1m', { rotation: { interval: '30s' } }, 'at least 1m'],
    ['a rotation interval not longer than its grace period', { rotation: { interval: '10m', gracePeriod: '10m' } }, 'longer than gracePeriod'],
    ['a rotation interval that is not a duration', { rotation: { interval: '90 days' } }, 'interval must be a duration'],
    ['an unknown access level', { access: 'admin' }, 'spec.access'],
    ['a statement timeout over 5m', { console: { statementTimeout: '1h' } }, 'between 1s and 5m'],
  ])('refuses %s', async (_what, spec, expected) => {
    const body = await rejection(r.policy(uniqueName('bad'), { connectionRef: { name: 'shop' }, ...spec } as never));
    expect(body).toContain(expected);
  });

  it.each([
    ['pg_catalog in schemas', { schemas: ['pg_catalog'] }, 'schema pg_catalog is a system schema'],
    ['information_schema in schemas', { schemas: ['public', 'information_schema'] }, 'schema information_schema is a system schema'],
    ['pg_toast in schemas', { schemas: ['pg_toast'] }, 'schema pg_toast is a system schema'],
    ['a temporary schema', { schemas: ['pg_temp_3'] }, 'schema pg_temp_3 is a system schema'],
    ['a toast temporary schema', { schemas: ['pg_toast_temp_3'] }, 'schema pg_toast_temp_3 is a system schema'],
    ['a system schema in capitals', { schemas: ['PG_Catalog'] }, 'schema PG_Catalog is a system schema'],
    ['pg_authid as a table', { tables: [{ schema: 'pg_catalog', name: 'pg_authid' }] }, 'schema pg_catalog is a system schema'],
    ['an information_schema view', { tables: [{ schema: 'information_schema', name: 'tables' }] }, 'schema information_schema is a system schema'],
    ['a user in the reserved pg_ namespace', { username: 'pg_signal_backend' }, 'pg_ namespace'],
    ['pg with the alternating strategy (pg_a, pg_b)', { username: 'pg' }, 'username pg is refused with the alternating strategy'],
  ])('refuses %s, naming the rule', async (_what, spec, expected) => {
    const body = await rejection(r.policy(uniqueName('sys'), { connectionRef: { name: 'shop' }, ...spec } as never));
    expect(body).toContain(expected);
  });

  // Every reserved login the operator knows that the username pattern lets through is refused by CEL too.
  it.each(reservedLogins.filter((name) => /^[a-z_][a-z0-9_]*$/.test(name)))('refuses the reserved user name %s', async (username) => {
    const body = await rejection(r.policy(uniqueName('reserved'), { connectionRef: { name: 'shop' }, username, rotation: { strategy: 'in-place' } } as never));
    expect(body).toContain(`username ${username} is a built-in administrative or system account`);
  });

  it('accepts what looks like a system name but is not one', async () => {
    await r.policy(uniqueName('ok'), { connectionRef: { name: 'shop' }, username: 'pg', rotation: { strategy: 'in-place' } } as never);
    await r.policy(uniqueName('ok'), { connectionRef: { name: 'shop' }, username: 'postgres_reader', schemas: ['pgdata', 'sys'] } as never);
    await r.connection(uniqueName('ok'), { engine: 'postgres', host: 'db', database: 'mysql', adminSecretRef: { name: 'a' } });
  });

  it.each(['mysql', 'sys', 'performance_schema', 'information_schema', 'MySQL'])(
    'refuses a MySQL/MariaDB connection to the system database %s',
    async (database) => {
      const body = await rejection(r.connection(uniqueName('sysdb'), { engine: 'mysql', host: 'db', database, adminSecretRef: { name: 'a' } }));
      expect(body).toContain(`database ${database} is a MySQL/MariaDB system database`);
    },
  );

  it('refuses a DatabaseConnection with an invalid host, database or CIDR', async () => {
    const base = { engine: 'postgres' as const, host: 'db', database: 'shop', adminSecretRef: { name: 'a' } };
    expect(await rejection(r.connection('bad-host', { ...base, host: 'db;rm -rf' }))).toContain('spec.host');
    expect(await rejection(r.connection('bad-db', { ...base, database: 'shop`x' }))).toContain('spec.database');
    expect(await rejection(r.connection('bad-cidr', { ...base, network: { cidrs: ['10.0.0.0/99'] } }))).toContain('CIDR');
  });

  it('keeps username, connectionRef and strategy immutable', async () => {
    await r.policy('fixed', { connectionRef: { name: 'shop' }, username: 'fixed_user' });
    await expect(r.patch('accesspolicies', 'fixed', { spec: { username: 'other_user' } })).rejects.toMatchObject({ code: 422 });
    await expect(r.patch('accesspolicies', 'fixed', { spec: { connectionRef: { name: 'other' } } })).rejects.toMatchObject({ code: 422 });
    await expect(r.patch('accesspolicies', 'fixed', { spec: { rotation: { strategy: 'in-place' } } })).rejects.toMatchObject({ code: 422 });
    await r.patch('accesspolicies', 'fixed', { spec: { access: 'read-write' } });
  });

  it('applies defaults', async () => {
    await r.policy('defaults', { connectionRef: { name: 'shop' } });
    const p = await r.get('accesspolicies', 'defaults');
    expect(p?.spec).toMatchObject({
      access: 'read-only', deletionPolicy: 'Delete',
      rotation: { interval: '2160h', strategy: 'alternating', gracePeriod: '10m' },
      console: { enabled: false, rowLimit: 1000, statementTimeout: '15s', useReadReplica: true },
    });
  });

  it('teaches the API through kubectl: explain, short names, category and printer columns', async () => {
    expect(await kubectl('explain', 'accesspolicy.spec.tables')).toContain('Only these tables');
    expect(await kubectl('explain', 'dbconn.spec.tls.mode')).toContain('verify-full');
    const table = await kubectl('get', 'dbwarden', '-n', ns);
    expect(table).toMatch(/CONNECTION\s+ACCESS\s+USER\s+READY\s+NEXT-ROTATION\s+AGE/);
    await r.connection('shown', { engine: 'mysql', host: 'db', database: 'shop', adminSecretRef: { name: 'a' } });
    expect(await kubectl('get', 'dbconn', '-n', ns)).toMatch(/ENGINE\s+HOST\s+READY\s+POSTURE\s+AGE/);
  });
});
