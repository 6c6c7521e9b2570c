import { text, type AdminConnection } from './connection.js';

/** Which server this is: MySQL and MariaDB differ in dual passwords and a few details. */
export interface ServerInfo {
  product: 'MySQL' | 'MariaDB';
  /** "10.11.19", "8.0.36". */
  version: string;
  numbers: [major: number, minor: number, patch: number];
}

/** From VERSION() ("10.11.19-MariaDB-0+deb12u1", "8.0.36") and @@version_comment ("MariaDB Server", "MySQL Community Server - GPL"). */
export function parseServer(versionText: string, comment: string): ServerInfo {
  const product = /mariadb/i.test(versionText) || /mariadb/i.test(comment) ? 'MariaDB' : 'MySQL';
  const version = /(\d+)\.(\d+)\.(\d+)/.exec(versionText.replace(/^5\.5\.5-/, ''));
  const numbers: ServerInfo['numbers'] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0), Number(version?.[3] ?? 0)];
  return { product, version: numbers.join('.'), numbers };
}

/** ALTER USER ... RETAIN CURRENT PASSWORD / DISCARD OLD PASSWORD: MySQL 8.0.14 and later. */
export function hasDualPasswords(server: ServerInfo): boolean {
  if (server.product !== 'MySQL') return false;
  const [major, minor, patch] = server.numbers;
  return major > 8 || (major === 8 && (minor > 0 || patch >= 14));
}

export async function readServer(admin: AdminConnection): Promise<ServerInfo> {
  const [row] = await admin.read('reading the server version', 'SELECT VERSION() AS version, @@version_comment AS comment');
  return parseServer(text(row, 'version'), text(row, 'comment'));
}
