import mysql, { type FieldPacket } from 'mysql2';
import type { Column } from './types.js';

// mysql2 is CommonJS: Node's ESM loader does not see `Types` as a named export (vitest's transform would).
const { Types } = mysql;

/** The binary character set's number: a BLOB-typed column in it holds bytes, in any other it is TEXT. */
const binaryCharset = 63;

/**
 * mysql2 reports a result column's type as the protocol's number (its `typeName` is not filled in): the names
 * people write in SQL instead, so the web app and the model read `int`, `varchar`, `decimal` as on PostgreSQL.
 */
const sqlNames: Record<number, string> = {
  [Types.DECIMAL]: 'decimal', [Types.NEWDECIMAL]: 'decimal',
  [Types.TINY]: 'tinyint', [Types.SHORT]: 'smallint', [Types.INT24]: 'mediumint', [Types.LONG]: 'int', [Types.LONGLONG]: 'bigint',
  [Types.FLOAT]: 'float', [Types.DOUBLE]: 'double', [Types.BIT]: 'bit', [Types.YEAR]: 'year',
  [Types.NULL]: 'null', [Types.TIMESTAMP]: 'timestamp', [Types.DATE]: 'date', [Types.NEWDATE]: 'date', [Types.TIME]: 'time',
  [Types.DATETIME]: 'datetime', [Types.VARCHAR]: 'varchar', [Types.VAR_STRING]: 'varchar', [Types.STRING]: 'char',
  [Types.JSON]: 'json', [Types.ENUM]: 'enum', [Types.SET]: 'set', [Types.GEOMETRY]: 'geometry', [Types.VECTOR]: 'vector',
};
const blobTypes = new Set<number>([Types.TINY_BLOB, Types.MEDIUM_BLOB, Types.LONG_BLOB, Types.BLOB]);

/** A result column as the console reports it: its name and its SQL type name (or `type:<number>` for one not known). */
export function columnOf(field: FieldPacket): Column {
  const code = field.columnType ?? field.type;
  if (code === undefined) return { name: field.name, type: '' };
  if (blobTypes.has(code)) return { name: field.name, type: field.characterSet === binaryCharset ? 'blob' : 'text' };
  return { name: field.name, type: sqlNames[code] ?? `type:${code}` };
}
