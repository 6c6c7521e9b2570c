/**
 * The credentials Secret an AccessPolicy owns: its keys are part of the API (DESIGN.md), read by the
 * console and by any workload that mounts it.
 */
export const credentialKeys = ['username', 'password', 'host', 'port', 'database', 'engine', 'sslmode', 'uri'] as const;
export type CredentialKey = (typeof credentialKeys)[number];
/** Present when the connection has a CA bundle. */
export const caKey = 'ca.crt';
export type Credentials = Record<CredentialKey, string> & { 'ca.crt'?: string };
