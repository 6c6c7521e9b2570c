import type { Value } from './runner/index.js';

const needsQuotes = /[",\r\n]|^\s|\s$/;

/** One CSV field (RFC 4180): NULL is empty, JSON values are JSON text, quotes doubled when quoted. */
export function csvField(value: Value): string {
  if (value === null) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated. */
export function csvRow(values: readonly Value[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
