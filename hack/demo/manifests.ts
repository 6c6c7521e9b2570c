import type { DemoData } from './data.js';

export const demoNamespace = 'shop';

/**
 * Where the operator and the console reach the databases: 127.0.0.1 and their ports for host processes;
 * the node's host address (`state.node.hostIp`, named by the databases' certificates too) from pods.
 */
export interface DatabaseAddresses {
  host: string;
  postgresPort: number;
  mariadbPort: number;
}

/** The databases as host processes see them: loopback and the ports in .dev/env. */
export function loopbackAddresses(env: Record<string, string>): DatabaseAddresses {
  return { host: '127.0.0.1', postgresPort: Number(env.PGPORT), mariadbPort: Number(env.MYSQL_PORT) };
}

/**
 * The demo's objects: both shop databases as DatabaseConnections, and for each a read-only policy on
 * products and orders and a column-limited one that hides customers' emails (like config/samples/).
 */
export function demoManifests(at: DatabaseAddresses, data: DemoData, ca: string): object[] {
  const meta = (name: string): object => ({ name, namespace: demoNamespace, labels: { 'app.kubernetes.io/part-of': 'dbwarden-demo' } });
  const objects: object[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: demoNamespace } },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta('local-db-ca'), stringData: { 'ca.crt': ca } },
  ];
  const engines = [
    { id: 'postgres', engine: 'postgres', port: at.postgresPort, names: data.postgres, q: (t: string) => ({ schema: 'public', name: t }) },
    { id: 'mariadb', engine: 'mysql', port: at.mariadbPort, names: data.mariadb, q: (t: string) => ({ name: t }) },
  ];
  for (const e of engines) {
    objects.push(
      { apiVersion: 'v1', kind: 'Secret', metadata: meta(`shop-${e.id}-admin`), stringData: e.names.admin },
      {
        apiVersion: 'dbwarden.io/v1alpha1', kind: 'DatabaseConnection', metadata: meta(`shop-${e.id}`),
        spec: {
          engine: e.engine, host: at.host, port: e.port, database: e.names.database,
          adminSecretRef: { name: `shop-${e.id}-admin` },
          tls: { mode: 'verify-full', caSecretRef: { name: 'local-db-ca' } },
        },
      },
      {
        apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy', metadata: meta(`${e.id}-ai-readonly`),
        spec: {
          connectionRef: { name: `shop-${e.id}` }, username: `ai_readonly_${e.id === 'postgres' ? 'pg' : 'my'}`, access: 'read-only',
          tables: [e.q('products'), e.q('orders')],
          console: { enabled: true, rowLimit: 1000, statementTimeout: '15s' },
          connectionLimit: 5,
        },
      },
      {
        apiVersion: 'dbwarden.io/v1alpha1', kind: 'AccessPolicy', metadata: meta(`${e.id}-customers-no-email`),
        spec: {
          connectionRef: { name: `shop-${e.id}` }, access: 'read-only',
          tables: [{ ...e.q('users'), columns: ['id', 'full_name', 'created_at'] }, { ...e.q('orders'), columns: ['id', 'customer_id', 'total', 'status', 'created_at'] }],
          console: { enabled: true },
        },
      },
    );
  }
  return objects;
}
