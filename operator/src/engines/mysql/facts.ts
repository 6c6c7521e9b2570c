/** ServerFacts for MySQL/MariaDB: version, the admin session's TLS, and what the admin may do. */
import type { ServerFacts, TlsMode } from '../engine.js';
import { text, type AdminConnection } from './connection.js';
import { parseShowGrants } from './privileges.js';
import { hasDualPasswords, readServer } from './server.js';

export async function readFacts(admin: AdminConnection, tlsMode: TlsMode, database: string, adminName: string): Promise<ServerFacts> {
  const [server, sslRows, grantRows] = await Promise.all([
    readServer(admin),
    admin.read('reading the TLS status', "SHOW SESSION STATUS LIKE 'Ssl_version'"),
    admin.read('reading the admin grants', 'SHOW GRANTS FOR CURRENT_USER'),
  ]);
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
  };
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
