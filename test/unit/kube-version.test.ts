/**
 * The oldest Kubernetes that accepts the CRDs, computed from what they use, is the minimum the chart
 * (Chart.yaml's kubeVersion) and the docs state. Every CEL function in a validation rule or message
 * expression must be in the table below, with the first Kubernetes minor version whose API server accepts
 * it in a new CRD; an unknown function fails the test until someone looks its version up.
 *
 * Source of the versions: k8s.io/apiserver/pkg/cel/environment/base.go. Each library there has an
 * IntroducedVersion; a new expression is compiled at the API server's compatibility version, one minor
 * below its own (DefaultCompatibilityVersion), so a library introduced in 1.N is usable in new CRDs from
 * 1.(N+1): the IP and CIDR libraries (introduced 1.30) from 1.31. Libraries always present there (1.0)
 * date from validation rules themselves: beta and on by default in 1.25.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '..', '..');

/** The first Kubernetes minor version (1.x) in which a new CRD may use each CEL function. */
const celFunctionSince: Record<string, number> = {
  // CEL's standard macros and functions (validation rules: beta, on by default, in 1.25).
  ...Object.fromEntries(['has', 'all', 'exists', 'exists_one', 'map', 'filter', 'size', 'matches', 'startsWith', 'endsWith', 'contains',
    'duration', 'timestamp', 'int', 'uint', 'double', 'string', 'bytes', 'bool', 'type', 'dyn',
    'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds'].map((f) => [f, 25])),
  // Kubernetes regex, list and URL libraries, and the strings extension version 0 (base.go: 1.0).
  ...Object.fromEntries(['find', 'findAll', 'isSorted', 'sum', 'min', 'max', 'indexOf', 'lastIndexOf', 'url', 'isURL', 'getScheme', 'getHost',
    'getHostname', 'getPort', 'getEscapedPath', 'getQuery', 'charAt', 'join', 'lowerAscii', 'upperAscii', 'replace', 'split', 'substring', 'trim']
    .map((f) => [f, 25])),
  // Optional types and the quantity library (introduced 1.28).
  ...Object.fromEntries(['optional.of', 'optional.ofNonZeroValue', 'optional.none', 'orValue', 'hasValue', 'optMap', 'optFlatMap',
    'quantity', 'isQuantity', 'sign', 'isInteger', 'asInteger', 'asApproximateFloat', 'add', 'sub', 'isLessThan', 'isGreaterThan', 'compareTo']
    .map((f) => [f, 29])),
  // The strings extension version 2 and the sets library (introduced 1.29).
  ...Object.fromEntries(['format', 'strings.quote', 'sets.contains', 'sets.equivalent', 'sets.intersects'].map((f) => [f, 30])),
  // The IP and CIDR libraries (introduced 1.30).
  ...Object.fromEntries(['ip', 'isIP', 'ip.isCanonical', 'cidr', 'isCIDR', 'family', 'isUnspecified', 'isLoopback', 'isLinkLocalMulticast',
    'isLinkLocalUnicast', 'isGlobalUnicast', 'containsIP', 'containsCIDR', 'prefixLength', 'masked'].map((f) => [f, 31])),
  // The format library (introduced 1.31).
  ...Object.fromEntries(['format.dns1123Label', 'format.dns1123Subdomain', 'format.qualifiedName', 'format.labelValue', 'format.uri', 'format.uuid',
    'format.byte', 'format.date', 'format.datetime', 'format.named', 'validate'].map((f) => [f, 32])),
  // Two-variable comprehensions (introduced 1.32).
  ...Object.fromEntries(['transformList', 'transformMap', 'transformMapEntry'].map((f) => [f, 33])),
  // The semver library (introduced 1.33).
  ...Object.fromEntries(['semver', 'isSemver', 'major', 'minor', 'patch'].map((f) => [f, 34])),
};

/** Fields of a validation rule and of a CRD, and the first minor version that accepts them. */
const ruleFieldSince: Record<string, number> = { rule: 25, message: 25, messageExpression: 27, reason: 28, fieldPath: 28, optionalOldSelf: 30 };
const versionFieldSince: Record<string, number> = { selectableFields: 31 };

/** Namespaces CEL calls are qualified with (`sets.contains(...)`); other dotted chains are receivers. */
const celNamespaces = new Set(['optional', 'strings', 'sets', 'format', 'ip', 'math', 'lists', 'base64']);

/** The functions an expression calls, without string literals (whose words may be followed by a parenthesis). */
function celFunctions(expression: string): string[] {
  const code = expression.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, "''");
  return [...code.matchAll(/([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\(/g)].map((m) => {
    const chain = m[1]!.split('.').map((s) => s.trim());
    return chain.length > 1 && celNamespaces.has(chain[0]!) ? `${chain[0]}.${chain[1]}` : chain.at(-1)!;
  });
}

interface Rule { [field: string]: unknown }

function validationRules(node: unknown, found: Rule[] = []): Rule[] {
  if (Array.isArray(node)) for (const item of node) validationRules(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-kubernetes-validations') found.push(...(value as Rule[]));
      validationRules(value, found);
    }
  }
  return found;
}

const crdFiles = readdirSync(join(root, 'crds')).filter((f) => f.endsWith('.yaml'));
const crds = crdFiles.flatMap((f) => parseAllDocuments(readFileSync(join(root, 'crds', f), 'utf8')).map((d) => ({ file: f, crd: d.toJS() as Record<string, unknown> })));

/** Everything the CRDs use that a Kubernetes version must know, with the version that first knows it. */
function requirements(): { what: string; since: number }[] {
  const needs: { what: string; since: number }[] = [];
  for (const { file, crd } of crds) {
    for (const rule of validationRules(crd)) {
      for (const field of Object.keys(rule)) {
        expect(ruleFieldSince, `${file}: validation rule field ${field} is not in the table`).toHaveProperty([field]);
        needs.push({ what: `${file}: ${field}`, since: ruleFieldSince[field]! });
      }
      for (const expression of [rule.rule, rule.messageExpression].filter((e): e is string => typeof e === 'string')) {
        for (const fn of celFunctions(expression)) {
          expect(celFunctionSince, `${file}: CEL function ${fn}() (in \`${expression}\`) is not in the table: look up its version in base.go`).toHaveProperty([fn]);
          needs.push({ what: `${file}: CEL ${fn}()`, since: celFunctionSince[fn]! });
        }
      }
    }
    for (const version of (crd.spec as { versions: Record<string, unknown>[] }).versions) {
      for (const field of Object.keys(versionFieldSince)) if (field in version) needs.push({ what: `${file}: ${field}`, since: versionFieldSince[field]! });
    }
  }
  return needs;
}

describe('the minimum Kubernetes version', () => {
  it('finds the functions of CEL expressions, not words in their strings', () => {
    expect(celFunctions("!self.lowerAscii().startsWith('pg_') && self.lowerAscii() != 'information_schema'")).toEqual(['lowerAscii', 'startsWith', 'lowerAscii']);
    expect(celFunctions("'schema ' + self + ' is a system schema (pg_catalog, ...)'")).toEqual([]);
    expect(celFunctions('isCIDR(self) && sets.contains(a, b) && self.tables.all(t, t.name.matches("^x(y)$"))')).toEqual(['isCIDR', 'sets.contains', 'all', 'matches']);
  });

  it('is what the CRDs need, and Chart.yaml, the chart README, README.md and docs/install.md state it', () => {
    const needs = requirements();
    expect(needs.length).toBeGreaterThan(0);
    const minor = Math.max(...needs.map((n) => n.since));
    const because = needs.filter((n) => n.since === minor).map((n) => n.what);
    const chart = parse(readFileSync(join(root, 'charts', 'dbwarden', 'Chart.yaml'), 'utf8')) as { kubeVersion: string };
    expect(chart.kubeVersion, `the CRDs need Kubernetes 1.${minor} (${[...new Set(because)].join(', ')})`).toBe(`>=1.${minor}.0-0`);
    for (const doc of ['README.md', 'docs/install.md', 'charts/dbwarden/README.md']) {
      const text = readFileSync(join(root, doc), 'utf8');
      expect(text, `${doc} states the minimum Kubernetes version`).toContain(`Kubernetes 1.${minor} or newer`);
      for (const other of text.matchAll(/Kubernetes (1\.\d+) or newer/g)) expect(other[1], doc).toBe(`1.${minor}`);
    }
  });
});
