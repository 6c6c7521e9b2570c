/**
 * A small SQL tokenizer for highlighting only (the server's guard is what reads SQL for real): keywords,
 * functions, strings, quoted names, numbers, comments and operators, for PostgreSQL and MySQL alike.
 * Concatenating the tokens' text always gives back the input exactly.
 */
export type TokenKind = 'keyword' | 'function' | 'string' | 'identifier' | 'number' | 'comment' | 'operator' | 'punctuation' | 'whitespace' | 'word';

export interface Token {
  kind: TokenKind;
  text: string;
}

const keywords = new Set(`
  select from where group by order having limit offset join inner left right full outer cross natural on using as
  and or not in is null like ilike between exists case when then else end distinct all any some union intersect
  except with recursive lateral over partition rows range window filter asc desc nulls first last true false
  insert into values update set delete returning create drop alter table view index grant revoke truncate
  copy call do lock explain analyze begin commit rollback for share interval cast current_date current_time
  current_timestamp fetch only escape collate unbounded preceding following row
`.trim().split(/\s+/));

const patterns: Array<[TokenKind, RegExp]> = [
  ['whitespace', /\s+/y],
  ['comment', /--[^\n]*|#[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y],
  ['string', /[eEnN]?'(?:[^']|'')*(?:'|$)/y],
  ['identifier', /"(?:[^"]|"")*(?:"|$)|`(?:[^`]|``)*(?:`|$)/y],
  ['number', /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y],
  ['word', /[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/y],
  ['operator', /::|<=|>=|<>|!=|\|\||->>|->|#>>|#>|[-+*/%<>=~!@^&|]/y],
  ['punctuation', /[(),.;[\]{}:$?\\]/y],
];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    let matched: Token | undefined;
    for (const [kind, re] of patterns) {
      re.lastIndex = at;
      const m = re.exec(sql);
      if (m && m[0].length > 0) {
        matched = { kind, text: m[0] };
        break;
      }
    }
    matched ??= { kind: 'punctuation', text: sql[at] ?? '' };
    if (matched.kind === 'word') {
      const lower = matched.text.toLowerCase();
      const next = sql.slice(at + matched.text.length).match(/^\s*\(/);
      matched.kind = keywords.has(lower) ? 'keyword' : next ? 'function' : 'word';
    }
    tokens.push(matched);
    at += matched.text.length;
  }
  return tokens;
}
