/** Names of the dbwarden API, shared by the operator and the console. */
export const group = 'dbwarden.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

export const databaseConnections = { kind: 'DatabaseConnection', plural: 'databaseconnections' } as const;
export const accessPolicies = { kind: 'AccessPolicy', plural: 'accesspolicies' } as const;

/** The label on every object the operator manages. */
export const managedByLabel = { 'app.kubernetes.io/managed-by': 'dbwarden' } as const;
/** Set to a new value to rotate a policy's credentials now. */
export const rotateAnnotation = 'dbwarden.io/rotate';
/** The finalizer that revokes and drops a policy's database user before the policy goes. */
export const policyFinalizer = 'dbwarden.io/database-user';

/** Default ports by engine. */
export const defaultPorts = { postgres: 5432, mysql: 3306 } as const;
