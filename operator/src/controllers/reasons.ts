/**
 * Every reason the operator writes, in a condition or an event. docs/operator.md lists each one
 * (test/unit/docs-drift.test.ts compares the two both ways), and the types below make the compiler refuse a
 * reason that is not listed here: ReconcileError (errors.ts) and its EngineError, conditions and events all take these types.
 */

/** Ready=False reasons of a DatabaseConnection: its Secrets, the server, or a refused database. */
export const connectionFailureReasons = [
  'AdminSecretNotFound', 'AdminSecretInvalid', 'CASecretNotFound', 'CASecretInvalid',
  'Unreachable', 'TlsFailed', 'AuthenticationFailed', 'DatabaseNotFound', 'InsufficientPrivileges', 'DatabaseError',
  'SystemSchemaRefused', 'InternalError',
] as const;

/** Ready=False reasons of an AccessPolicy: its connection, its spec, the database, its Secret, deletion. */
export const policyFailureReasons = [
  'ConnectionNotFound', 'ConnectionNotReady',
  'TableNotFound', 'ColumnNotFound', 'SchemaNotFound',
  'InvalidSpec', 'InvalidUsername', 'InvalidIdentifier', 'Unsupported',
  'UsernameTaken', 'ReservedUsername', 'SystemSchemaRefused', 'InsufficientPrivileges',
  'SecretConflict', 'RestartTargetNotFound', 'DeletionBlocked', 'DropBlocked',
  'Unreachable', 'TlsFailed', 'AuthenticationFailed', 'DatabaseNotFound', 'DatabaseError', 'InternalError',
] as const;

/** Reasons of the conditions when all is well, and of an AccessPolicy's LeastPrivilege condition. */
export const readyReasons = { DatabaseConnection: 'Connected', AccessPolicy: 'Provisioned' } as const;
export const leastPrivilegeReasons = ['Clean', 'ExcessPrivileges'] as const;

/** Events besides failures (each failure is also a Warning event with its condition's reason). */
export const eventReasons = {
  DatabaseConnection: { AdminIsSuperuser: 'Warning', PostureWarning: 'Warning' },
  AccessPolicy: {
    CredentialsRotated: 'Normal', RotationInterrupts: 'Warning', RestartedConsumers: 'Normal', GrantsDrifted: 'Warning',
    SystemPrivilegesRevoked: 'Warning', UserDropped: 'Normal', UserRetained: 'Normal',
  },
} as const;

export type FailureReason = (typeof connectionFailureReasons)[number] | (typeof policyFailureReasons)[number];
export type ConditionReason = FailureReason | (typeof readyReasons)[keyof typeof readyReasons] | (typeof leastPrivilegeReasons)[number];
export type EventReason = FailureReason | keyof (typeof eventReasons)['DatabaseConnection'] | keyof (typeof eventReasons)['AccessPolicy'];
