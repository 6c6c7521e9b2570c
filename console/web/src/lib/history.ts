import type { PolicyRef, WritePreview } from '../api/types.js';

/** One question or statement of this browser tab (kept in memory only, gone on reload). */
export interface HistoryEntry {
  id: number;
  kind: 'ask' | 'sql';
  policy: PolicyRef;
  /** The question (ask) or the SQL (sql). */
  text: string;
  /** The SQL that ran or was refused. */
  sql: string | null;
  at: Date;
  outcome: 'ok' | 'refused' | 'error' | 'cancelled';
  detail: string;
}

let next = 1;

export const historyEntry = (entry: Omit<HistoryEntry, 'id' | 'at'>): HistoryEntry => ({ ...entry, id: next++, at: new Date() });

/** Fired (bubbling, composed) by the panels when a question or statement finishes. */
export const historyEvent = (entry: HistoryEntry): CustomEvent<HistoryEntry> =>
  new CustomEvent('dbw-history', { detail: entry, bubbles: true, composed: true });

/** A request to put text into a panel (from history or the schema browser); seq makes repeats count. */
export interface LoadRequest {
  kind: 'ask' | 'sql';
  text: string;
  seq: number;
}

/** A history entry's detail for a write that was previewed and not (yet) run. */
export const previewDetail = (preview: WritePreview): string =>
  `${preview.kind.toUpperCase()} previewed: ${preview.rowCount} ${preview.rowCount === 1 ? 'row' : 'rows'}, not run yet`;
