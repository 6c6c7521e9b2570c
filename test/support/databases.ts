import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { required } from './env.js';

/** The local PostgreSQL admin, over TLS verified against the local CA (or the CA file given). */
export function postgresAdmin(caFile = required('PGSSLROOTCERT'), database = 'postgres'): pg.Client {
  return new pg.Client({
    host: required('PGHOST'),
    port: Number(required('PGPORT')),
    user: required('PGUSER'),
    password: required('PGPASSWORD'),
    database,
    ssl: { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true },
  });
}

/** The local MariaDB admin, over TLS verified against the local CA (or the CA file given). */
export function mariadbAdmin(caFile = required('MYSQL_SSL_CA'), database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: required('MYSQL_HOST'),
    port: Number(required('MYSQL_PORT')),
    user: required('MYSQL_USER'),
    password: required('MYSQL_PASSWORD'),
    database,
    ssl: { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true },
  });
}
