import { isAllowedFunction } from '../functions.js';

/**
 * Set-returning functions an analyst may call, in FROM (alone, in ROWS FROM, LATERAL) or in the select list:
 * calendars, unnesting arrays and JSON, splitting text. Each only computes rows from its arguments; none reads
 * a table, a file or a setting. Everything else that returns rows (dblink, pg_ls_dir, pg_read_file,
 * pg_stat_*, json_populate_*, xpath, ...) stays refused.
 */
const setReturning = new Set([
  'generate_series', 'generate_subscripts', 'unnest',
  'json_array_elements', 'json_array_elements_text', 'jsonb_array_elements', 'jsonb_array_elements_text',
  'json_each', 'json_each_text', 'jsonb_each', 'jsonb_each_text', 'json_object_keys', 'jsonb_object_keys',
  'json_to_record', 'json_to_recordset', 'jsonb_to_record', 'jsonb_to_recordset', 'jsonb_path_query',
  'regexp_matches', 'regexp_split_to_table', 'string_to_table',
]);

/** Scalar functions of PostgreSQL beyond the shared allowlist (../functions.ts), as pure as those. */
const scalar = new Set([
  'grouping', 'random', 'array_upper', 'array_lower', 'array_dims', 'array_ndims', 'array_prepend', 'array_replace',
  'array_to_json', 'regexp_split_to_array', 'num_nulls', 'num_nonnulls', 'gcd', 'lcm', 'factorial', 'min_scale',
  'trim_scale', 'date_add', 'date_subtract', 'to_timestamp', 'timezone', 'overlay', 'normalize', 'is_normalized',
  'encode', 'decode', 'sha256', 'sha512', 'jsonb_path_query_first', 'json_object_keys', 'jsonb_object_keys',
  'int4range', 'int8range', 'numrange', 'daterange', 'tsrange', 'tstzrange', 'lower_inf', 'upper_inf', 'isempty',
  'like_escape', 'similar_to_escape', 'range_merge', 'bool_and', 'bool_or', 'any_value', 'percentile_cont', 'percentile_disc', 'mode',
  'array_agg', 'string_agg', 'jsonb_object_agg', 'json_object_agg', 'xor', 'bit_count', 'float8', 'numeric',
]);

/**
 * Functions the grammar itself writes as pg_catalog.name for SQL syntax (EXTRACT(... FROM ...), TRIM(BOTH ...),
 * SUBSTRING(... FROM ...), POSITION(... IN ...), AT TIME ZONE, OVERLAY, LIKE/SIMILAR ... ESCAPE, IS NORMALIZED).
 * A schema-qualified call is refused unless it is one of these.
 */
const grammarFunctions = new Set([
  'extract', 'substring', 'btrim', 'ltrim', 'rtrim', 'position', 'timezone', 'overlay', 'normalize', 'is_normalized',
  'like_escape', 'similar_to_escape', 'date_part',
]);

export function isSetReturning(name: string): boolean {
  return setReturning.has(name);
}

/** May a console query call this function (lower case, unqualified) on PostgreSQL? */
export function isAllowedPostgresFunction(name: string): boolean {
  return isAllowedFunction('postgres', name) || scalar.has(name) || setReturning.has(name);
}

/** The name to check for a call written `schema.name`: the name, for syntax the grammar spells so; else undefined. */
export function grammarFunction(schema: string, name: string): string | undefined {
  return schema === 'pg_catalog' && grammarFunctions.has(name) ? name : undefined;
}

/** The set-returning functions allowed, for messages. */
export const setReturningNames = [...setReturning].sort().join(', ');
