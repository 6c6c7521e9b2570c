import type { Dialect } from './types.js';

/**
 * Functions a console query may call: aggregates, window functions, math, strings, date/time, JSON and
 * conditionals, all free of side effects and unable to reach files, the network, other sessions, locks,
 * settings or catalogs. Everything else is refused, including table functions (generate_series, unnest,
 * json_table, ...), which a FROM clause may not call at all.
 */
const common = [
  // aggregates
  'count', 'sum', 'avg', 'min', 'max', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
  'bit_and', 'bit_or', 'bit_xor',
  // window functions
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value',
  'last_value', 'nth_value',
  // math
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'truncate', 'mod', 'power', 'pow', 'sqrt', 'exp', 'ln', 'log',
  'log10', 'log2', 'sign', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'cot', 'asin', 'acos', 'atan',
  'atan2', 'greatest', 'least',
  // strings
  'length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'lower', 'upper', 'trim', 'ltrim',
  'rtrim', 'lpad', 'rpad', 'substr', 'substring', 'left', 'right', 'replace', 'reverse', 'concat', 'concat_ws',
  'position', 'ascii', 'md5', 'regexp_replace', 'regexp_substr', 'regexp_instr', 'regexp_like',
  // date and time
  'now', 'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'extract',
  // JSON
  'json_object', 'json_array',
  // conditionals and predicates
  'coalesce', 'nullif', 'exists',
];

const postgres = [
  'string_agg', 'array_agg', 'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'bool_and', 'bool_or',
  'every', 'percentile_cont', 'percentile_disc', 'mode', 'corr', 'covar_pop', 'covar_samp', 'regr_slope',
  'regr_intercept', 'regr_r2', 'regr_count', 'regr_avgx', 'regr_avgy',
  'trunc', 'cbrt', 'div', 'width_bucket', 'scale',
  'btrim', 'initcap', 'strpos', 'split_part', 'translate', 'starts_with', 'chr', 'format', 'to_char',
  'to_number', 'to_date', 'to_timestamp', 'regexp_match', 'regexp_count', 'array_to_string', 'string_to_array',
  'array_length', 'cardinality', 'array_position', 'array_remove', 'array_append', 'array_cat',
  'date_trunc', 'date_part', 'date_bin', 'age', 'make_date', 'make_time', 'make_timestamp', 'make_timestamptz',
  'make_interval', 'justify_days', 'justify_hours', 'justify_interval', 'isfinite', 'clock_timestamp',
  'statement_timestamp', 'transaction_timestamp',
  'to_json', 'to_jsonb', 'row_to_json', 'json_build_object', 'jsonb_build_object', 'json_build_array',
  'jsonb_build_array', 'json_typeof', 'jsonb_typeof', 'json_array_length', 'jsonb_array_length',
  'json_extract_path', 'json_extract_path_text', 'jsonb_extract_path', 'jsonb_extract_path_text', 'jsonb_set',
  'jsonb_insert', 'jsonb_strip_nulls', 'json_strip_nulls', 'jsonb_pretty', 'jsonb_path_exists', 'jsonb_path_match',
  'jsonb_path_query_first', 'jsonb_path_query_array',
];

const mysql = [
  'group_concat', 'json_arrayagg', 'json_objectagg', 'std',
  'truncate',
  'lcase', 'ucase', 'instr', 'locate', 'char', 'field', 'find_in_set', 'elt', 'format',
  'if', 'ifnull', 'isnull',
  'curdate', 'curtime', 'sysdate', 'utc_date', 'utc_time', 'utc_timestamp', 'date', 'time', 'timestamp', 'year',
  'month', 'monthname', 'day', 'dayname', 'dayofmonth', 'dayofweek', 'dayofyear', 'hour', 'minute', 'second',
  'week', 'weekday', 'weekofyear', 'yearweek', 'quarter', 'last_day', 'date_format', 'time_format',
  'str_to_date', 'date_add', 'date_sub', 'adddate', 'subdate', 'addtime', 'subtime', 'datediff', 'timediff',
  'timestampdiff', 'timestampadd', 'unix_timestamp', 'from_unixtime', 'makedate', 'maketime', 'period_add',
  'period_diff', 'to_days', 'from_days', 'sec_to_time', 'time_to_sec', 'convert_tz',
  'json_extract', 'json_unquote', 'json_value', 'json_query', 'json_contains', 'json_contains_path',
  'json_length', 'json_keys', 'json_type', 'json_valid', 'json_depth', 'json_search', 'json_quote',
  'json_merge_patch', 'json_merge_preserve', 'json_set', 'json_insert', 'json_replace', 'json_remove',
  'json_pretty', 'json_compact', 'json_detailed', 'json_overlaps', 'json_exists',
];

const allowed: Record<Dialect, ReadonlySet<string>> = {
  postgres: new Set([...common, ...postgres]),
  mysql: new Set([...common, ...mysql]),
};

export function isAllowedFunction(dialect: Dialect, name: string): boolean {
  return allowed[dialect].has(name.toLowerCase());
}

/** PostgreSQL types whose input functions look up catalog objects by name (regclass, regproc, ...). */
export function isCatalogType(typeName: string): boolean {
  return /^reg[a-z]*$/i.test(typeName.trim());
}
