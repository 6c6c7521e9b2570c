/** ServerFacts for MySQL/MariaDB: version, the admin session's TLS, and what the admin may do. */
import type { ServerFacts, TlsMode } from '../engine.js';
import { text, type AdminConnection } from './connection.js';
import { parseShowGrants } from './privileges.js';
import { hasDualPasswords, readServer } from './server.js';

export async function readFacts(admin: AdminConnection, tlsMode: TlsMode, database: string, adminName: string): Promise<ServerFacts> {
  const [server, sslRows, grantRows, logRows, anonymousRows] = await Promise.all([
    readServer(admin),
    admin.read('reading the TLS status', "SHOW SESSION STATUS LIKE 'Ssl_version'"),
    admin.read('reading the admin grants', 'SHOW GRANTS FOR CURRENT_USER'),
    admin.read('reading the logging settings', "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('general_log', 'secure_file_priv', 'server_audit_logging', 'server_audit_events', 'audit_log_policy')"),
    admin.read('reading anonymous accounts', "SELECT Host FROM mysql.user WHERE User = ''").catch(() => undefined),
  ]);
  const variables = new Map(logRows.map((row) => [text(row, 'Variable_name'), text(row, 'Value')]));
  const protocol = text(sslRows[0], 'Value');
  const encrypted = protocol !== '';
  const grantLines = grantRows.map((row) => text(row, Object.keys(row)[0] ?? ''));
  return {
    product: server.product,
    serverVersion: `${server.product} ${server.version}`,
    tls: {
      encrypted,
      verified: encrypted && (tlsMode === 'verify-ca' || tlsMode === 'verify-full'),
      ...(encrypted ? { protocol } : {}),
    },
    admin: adminFacts(grantLines, database, adminName),
    dualPasswords: hasDualPasswords(server),
    accessLog: accessLogOf(variables),
    defaultPrivileges: defaultPrivilegesOf(variables, anonymousRows?.map((row) => text(row, 'Host'))),
  };
}

/** general_log logs every connection and statement; MariaDB's server_audit plugin (CONNECT events) or MySQL's audit_log the connections. */
export function accessLogOf(variables: ReadonlyMap<string, string>): ServerFacts['accessLog'] {
  const general = variables.get('general_log') === 'ON';
  const auditEvents = variables.get('server_audit_events') ?? '';
  const mariadbAudit = variables.get('server_audit_logging') === 'ON' && (auditEvents === '' || /\bCONNECT\b/i.test(auditEvents));
  const mysqlAudit = variables.has('audit_log_policy') && !['NONE', 'QUERIES'].includes(variables.get('audit_log_policy') ?? '');
  const connections = general || mariadbAudit || mysqlAudit;
  const how = connections
    ? general ? 'connections and statements are logged (general_log = ON)' : 'connections are logged by the audit plugin'
    : 'connections are not logged: load the audit plugin (MariaDB server_audit with server_audit_logging = ON and server_audit_events = CONNECT,QUERY; MySQL audit_log) or set general_log = ON';
  return { connections, detail: `${how}; each console statement starts with a /* dbwarden:<request id>:… */ comment those logs keep` };
}

/** An empty secure_file_priv lets FILE read and write anywhere the server can; an anonymous account lets anyone log in. */
export function defaultPrivilegesOf(variables: ReadonlyMap<string, string>, anonymousHosts: string[] | undefined): ServerFacts['defaultPrivileges'] {
  const found: ServerFacts['defaultPrivileges'] = [];
  if (variables.get('secure_file_priv') === '') {
    found.push({ finding: 'secure_file_priv is empty: an account with FILE may read and write any file the server can', fix: 'set secure_file_priv to a directory (or NULL) in the server configuration' });
  }
  for (const host of anonymousHosts ?? []) {
    found.push({ finding: `an anonymous account ''@'${host}' lets anyone log in`, fix: `DROP USER ''@'${host.replace(/'/g, "''")}'` });
  }
  return found;
}

/**
 * What SHOW GRANTS FOR CURRENT_USER says about the admin. The recommended account holds CREATE USER, PROCESS
 * and CONNECTION ADMIN (CONNECTION_ADMIN on MySQL) on *.*, SELECT on mysql.*, and SELECT, INSERT, UPDATE,
 * DELETE on the database WITH GRANT OPTION.
 */
export function adminFacts(grantLines: readonly string[], database: string, adminName: string): ServerFacts['admin'] {
  const global = new Set(parseShowGrants(grantLines).global.map((p) => p.replace(/_/g, ' ')));
  const all = global.has('ALL PRIVILEGES') || global.has('ALL');
  const superuser = all || global.has('SUPER');
  const canCreateUsers = all || global.has('CREATE USER');
  const enough = `an account with only CREATE USER, GRANT OPTION and the privileges it grants (SELECT, INSERT, UPDATE, DELETE on ${database}.*) is enough`;
  if (superuser) {
    return { superuser, canCreateUsers, message: `admin ${adminName} has ${all ? 'ALL PRIVILEGES' : 'SUPER'} on *.*, more than provisioning needs: ${enough}` };
  }
  if (!canCreateUsers) {
    return { superuser, canCreateUsers, message: `admin ${adminName} cannot create users: grant it CREATE USER; ${enough}` };
  }
  const gaps = missingExtras(global, grantLines);
  return {
    superuser,
    canCreateUsers,
    message: `admin ${adminName} has CREATE USER without SUPER or ALL PRIVILEGES${gaps.length ? `; it also needs ${gaps.join(' and ')}` : ''}`,
  };
}

function missingExtras(global: ReadonlySet<string>, grantLines: readonly string[]): string[] {
  const gaps: string[] = [];
  const readsMysql = global.has('SELECT') || grantLines.some((line) => /^GRANT (.*\b(SELECT|ALL PRIVILEGES)\b.*) ON `mysql`\.\* TO /.test(line));
  if (!readsMysql) gaps.push('SELECT on mysql.* to read grants');
  if (!global.has('PROCESS') || !global.has('CONNECTION ADMIN')) gaps.push('PROCESS and CONNECTION ADMIN to end sessions');
  return gaps;
}
