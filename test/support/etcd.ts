/**
 * Stores dbwarden objects straight into the control plane's etcd, past the API server's schema and CEL rules:
 * what an object stored before a rule existed looks like to the operator. The API server reads it from etcd
 * as it reads any other (defaults applied, a watch event sent), which is the point.
 */
import { randomUUID } from 'node:crypto';
import type { AccessPolicySpec, DatabaseConnectionSpec } from '@dbwarden/api';
import { required } from './env.js';
import type { Resources } from './resources.js';

const kinds = { accesspolicies: 'AccessPolicy', databaseconnections: 'DatabaseConnection' } as const;
type Plural = keyof typeof kinds;

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Creates the object, or replaces the spec of an existing one (keeping its metadata, one generation later). */
export async function storeUnvalidated(r: Resources, plural: 'accesspolicies', name: string, spec: AccessPolicySpec): Promise<void>;
export async function storeUnvalidated(r: Resources, plural: 'databaseconnections', name: string, spec: DatabaseConnectionSpec): Promise<void>;
export async function storeUnvalidated(r: Resources, plural: Plural, name: string, spec: object): Promise<void> {
  const existing = await r.get(plural, name);
  const metadata = existing?.metadata
    ? { ...existing.metadata, generation: (existing.metadata.generation ?? 1) + 1, resourceVersion: undefined, managedFields: undefined }
    : { name, namespace: r.namespace, uid: randomUUID(), generation: 1, creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const object = { apiVersion: 'dbwarden.io/v1alpha1', kind: kinds[plural], metadata, spec, ...(existing?.status ? { status: existing.status } : {}) };
  const key = `/registry/dbwarden.io/${plural}/${r.namespace}/${name}`;
  const res = await fetch(`${required('DBWARDEN_ETCD_URL')}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: base64(key), value: base64(JSON.stringify(object)) }),
  });
  if (!res.ok) throw new Error(`etcd refused the write of ${key}: ${res.status} ${await res.text()}`);
}
