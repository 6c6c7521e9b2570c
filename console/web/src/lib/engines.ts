import type { DatabaseEngine } from '@dbwarden/api/engine';

interface TableName {
  schema: string;
  name: string;
}

/** What the web app shows differently per engine. */
interface EngineView {
  /** The engine as people know it. */
  label: string;
  /** A table as SQL names it. */
  sqlName(table: TableName): string;
  /** A table as the schema browser lists it. */
  listedName(table: TableName): string;
  /** An example in the empty SQL editor. */
  placeholder: string;
}

export const engineViews = {
  postgres: {
    label: 'PostgreSQL',
    sqlName: (t) => `${t.schema}.${t.name}`,
    listedName: (t) => (t.schema !== 'public' ? `${t.schema}.${t.name}` : t.name),
    placeholder: 'SELECT * FROM public.products LIMIT 10',
  },
  mysql: {
    label: 'MySQL/MariaDB',
    sqlName: (t) => t.name,
    listedName: (t) => t.name,
    placeholder: 'SELECT * FROM products LIMIT 10',
  },
} satisfies Record<DatabaseEngine, EngineView>;
