import type { Column, Value } from '../api/types.js';

const numericTypes = /^(int|int2|int4|int8|smallint|integer|bigint|tinyint|mediumint|numeric|decimal|newdecimal|float|float4|float8|double|real|oid|long|longlong|short|year)/i;
const timeTypes = /^(date|time|timestamp|timestamptz|datetime|datetime2|timetz)/i;

export const isNumericType = (type: string): boolean => numericTypes.test(type);
export const isTimeType = (type: string): boolean => timeTypes.test(type);

/** A number from a value the database printed (numeric and bigint come as text to keep their precision). */
export function numberOf(value: Value): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim())) return Number(value);
  return null;
}

/** The text a cell shows and exports: NULL apart, JSON as JSON text, the rest as the database printed it. */
export function textOf(value: Value): string {
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export const alignRight = (column: Column): boolean => isNumericType(column.type);

const needsQuotes = /[",\r\n]|^\s|\s$/;

/** One CSV field (RFC 4180), as the console server writes them: NULL empty, JSON as JSON text. */
export function csvField(value: Value): string {
  if (value === null) return '';
  const text = textOf(value);
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: a header row, then the rows, CRLF-terminated. */
export function toCsv(columns: Column[], rows: Value[][]): string {
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
