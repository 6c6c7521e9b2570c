/**
 * The docs against the code, both ways: every operator flag, environment variable, Helm value, metric (with
 * its labels), condition reason and event the docs name exists in the code, and every one the code has is
 * documented, with the same defaults. Plus a few things that went wrong before: commands that cannot work as
 * written (a `port-forward ... &&`, `--create-namespace` without the Pod Security label), version notes, the
 * MySQL provisioning privileges in the CRD, and the failover timings of docs/install.md.
 *
 * What counts as "named in the docs": inline code spans (`...`) outside fenced blocks, and in fenced blocks
 * only what a command sets (`--set a.b=c`, the flags of `npm run operator --`) or a metric name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { environmentVariables as consoleVariables, loadConfig as loadConsoleConfig } from '../../console/server/config.js';
import { flags as operatorFlags, loadConfig as loadOperatorConfig } from '../../operator/src/config.js';
import {
  connectionFailureReasons, eventReasons, leastPrivilegeReasons, policyFailureReasons, readyReasons,
} from '../../operator/src/controllers/reasons.js';

const root = join(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const docFiles = ['README.md', 'charts/dbwarden/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const docs = Object.fromEntries(docFiles.map((f) => [f, read(f)]));
const allDocs = Object.values(docs).join('\n');

const fenced = /```[a-z]*\n[\s\S]*?```/g;
/** Inline code spans outside fenced blocks (a span may wrap onto the next line, not across a paragraph). */
const spans = (text: string): string[] => [...text.replace(fenced, '').matchAll(/`([^`]+)`/g)]
  .map((m) => m[1]!).filter((s) => !s.includes('\n\n')).map((s) => s.replace(/\s+/g, ' '));
/** The contents of fenced blocks (of one language, or all). */
const blocks = (text: string, lang = '[a-z]*'): string[] => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
/** The rows of the first Markdown table under a heading (its header row first, the separator row left out). */
function tableRows(text: string, heading: string): string[][] {
  const start = text.indexOf(`\n${heading}\n`);
  expect(start, `section "${heading}"`).toBeGreaterThanOrEqual(0);
  const lines = text.slice(start + heading.length + 2).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > first && !l.startsWith('|'));
  return lines.slice(first, end).filter((l) => !/^\|\s*-/.test(l)).map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
}
const codes = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
const sorted = <T>(items: Iterable<T>): T[] => [...new Set(items)].sort();

describe('operator flags', () => {
  const rows = tableRows(docs['docs/operator.md']!, '## Run it').filter((r) => r[0]?.startsWith('`--'));

  it("docs/operator.md's table lists exactly the flags of operator/src/config.ts, with their variables and defaults", () => {
    expect(sorted(rows.map((r) => codes(r[0]!)[0]!.slice(2)))).toEqual(sorted(Object.keys(operatorFlags)));
    for (const [flag, env, documentedDefault] of rows) {
      const name = codes(flag!)[0]!.slice(2) as keyof typeof operatorFlags;
      expect(codes(env!), `--${name}`).toEqual([operatorFlags[name].env]);
      const codeDefault = operatorFlags[name].default;
      if (codeDefault !== '') expect(documentedDefault!.replace(/`/g, ''), `--${name}'s default`).toBe(codeDefault);
    }
  });

  /** Flags of other tools that the docs name on their own (kubectl, including create token's --duration; Helm, buildah, npm run images, node). */
  const otherTools = new Set(['server-side', 'force-conflicts', 'set', 'skip-crds', 'create-namespace', 'build-arg', 'layers', 'no-cache', 'clean', 'enable-source-maps', 'duration']);

  it('every --flag the docs name is an operator flag (or one of another tool they use); console.md: the benchmark\'s', () => {
    const benchSource = /parseArgs\(\{\s*options: \{([\s\S]*?)\n {2}\},/.exec(read('bench/console.ts'))![1]!;
    const benchOptions = [...benchSource.matchAll(/^ {4}'?([\w-]+)'?: \{ type:/gm)].map((m) => m[1]!);
    expect(benchOptions).toContain('clients');
    for (const [file, text] of Object.entries(docs)) {
      for (const span of spans(text).filter((s) => s.startsWith('--') && /^--[a-z]/.test(s))) {
        const name = /^--([a-z0-9-]+)/.exec(span)![1]!;
        const known = file === 'docs/console.md' ? benchOptions : [...Object.keys(operatorFlags), ...otherTools];
        expect(known, `${file}: \`${span}\``).toContain(name);
      }
      // What people type after `npm run operator --`.
      for (const line of blocks(text).join('\n').split('\n').filter((l) => l.includes('npm run operator --'))) {
        const args = line.replace(/#.*$/, '').split('npm run operator --')[1]!.trim().split(/\s+/).filter(Boolean);
        if (args.join(' ') !== '--help') expect(() => loadOperatorConfig(args, {}), `${file}: ${line}`).not.toThrow();
      }
    }
  });
});

describe('environment variables', () => {
  /** Every DBWARDEN_* / OPENAI_* variable the sources read (operator, console, scripts, tests, benchmarks). */
  function variablesInCode(): Set<string> {
    const found = new Set<string>([...Object.values(operatorFlags).map((f) => f.env), ...consoleVariables]);
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!['node_modules', 'dist', '.dev'].includes(entry.name)) walk(path);
        } else if (/\.(ts|sh)$/.test(entry.name) && !entry.name.endsWith('docs-drift.test.ts')) {
          for (const m of read(path).matchAll(/\b((?:DBWARDEN|OPENAI)_[A-Z0-9_]*[A-Z0-9])\b/g)) found.add(m[1]!);
        }
      }
    };
    for (const dir of ['operator', 'console', 'hack', 'test', 'bench']) walk(dir);
    return found;
  }

  it('every one the docs name is read by the code', () => {
    const known = variablesInCode();
    for (const [file, text] of Object.entries(docs)) {
      for (const m of text.matchAll(/\b((?:DBWARDEN|OPENAI)_[A-Z0-9_]*[A-Z0-9])\b(?!_?\*)/g)) expect(known, `${file}: ${m[1]}`).toContain(m[1]);
    }
  });

  it("docs/console.md's table lists exactly the console's variables, with the defaults the console applies", () => {
    const rows = tableRows(docs['docs/console.md']!, '### Configuration').filter((r) => /^`[A-Z_]+`$/.test(r[0]!));
    expect(sorted(rows.map((r) => codes(r[0]!)[0]!))).toEqual(sorted(consoleVariables));
    const defaults = loadConsoleConfig({});
    for (const [variable, documentedDefault] of rows) {
      const value = documentedDefault!.replace(/`/g, '');
      // Values only (not "all addresses", "—" or a path): the console given the documented default must be the console without it.
      if (!/^[\w.]+$/.test(value)) continue;
      expect(loadConsoleConfig({ [codes(variable!)[0]!]: value }), `${variable}'s default ${value}`).toEqual(defaults);
    }
  });
});

describe('Helm values', () => {
  const values = parse(read('charts/dbwarden/values.yaml')) as Record<string, unknown>;
  /** Every path in values.yaml, objects and leaves (lists and their items are leaves). */
  const paths = new Set<string>();
  const leaves: string[] = [];
  const walk = (node: unknown, prefix: string): void => {
    if (node && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length > 0) {
      if (prefix) paths.add(prefix);
      for (const [k, v] of Object.entries(node)) walk(v, prefix ? `${prefix}.${k}` : k);
    } else {
      paths.add(prefix);
      leaves.push(prefix);
    }
  };
  walk(values, '');
  const topLevel = Object.keys(values);
  /** AccessPolicy and DatabaseConnection spec fields (`console.useReadReplica`), which the docs name the same way. */
  const specPaths = new Set<string>();
  const walkSchema = (schema: { properties?: Record<string, unknown> }, prefix: string): void => {
    for (const [k, v] of Object.entries(schema.properties ?? {})) {
      specPaths.add(prefix ? `${prefix}.${k}` : k);
      walkSchema(v as { properties?: Record<string, unknown> }, prefix ? `${prefix}.${k}` : k);
    }
  };
  for (const file of readdirSync(join(root, 'crds')).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(read(`crds/${file}`)) as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties?: Record<string, unknown> } } } } }[] } };
    walkSchema(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec, '');
  }

  /** The value paths the docs name: `a.b.c` spans (with `{x,y}` and `*.` expanded, `.x` after a full path), and --set. */
  function documentedPaths(text: string): string[] {
    const found: string[] = [];
    let last = '';
    const expand = (path: string): string[] => {
      const brace = /\{([^}]+)\}/.exec(path);
      if (brace) return brace[1]!.split(',').flatMap((alt) => expand(path.replace(brace[0], alt.trim())));
      if (path.startsWith('*.')) return ['operator', 'console'].map((c) => `${c}${path.slice(1)}`);
      return [path];
    };
    for (const span of spans(text)) {
      for (const part of span.split(/,\s*(?![^{]*\})/)) {
        const path = part.replace(/^`|`$/g, '');
        if (/^\.[A-Za-z]\w*$/.test(path) && last) {
          found.push(...expand(`${last.slice(0, last.lastIndexOf('.'))}${path}`));
        } else if (/^(operator|console|\*)\.[\w.{},*]+$/.test(path) && !/\.(md|ts|yaml|json)$/.test(path) && !(specPaths.has(path) && !paths.has(path))) {
          found.push(...expand(path.replace(/\.\*$/, '')));
          last = path;
        } else if (topLevel.includes(path) && !['operator', 'console'].includes(path)) {
          found.push(path);
        }
      }
    }
    for (const m of text.matchAll(/--set\s+'?([\w.]+)=/g)) found.push(m[1]!);
    return found;
  }

  it('every value the docs name is in values.yaml', () => {
    for (const [file, text] of Object.entries(docs)) {
      for (const path of documentedPaths(text)) expect(paths, `${file}: \`${path}\``).toContain(path);
    }
  });

  it('every value in values.yaml is documented (itself or a parent the docs name)', () => {
    const documented = new Set(Object.values(docs).flatMap(documentedPaths));
    const undocumented = leaves.filter((leaf) => !leaf.split('.').some((_, i, parts) => documented.has(parts.slice(0, i + 1).join('.')) && (i > 0 || parts.length === 1)));
    expect(undocumented, 'values without docs (docs/install.md\'s table)').toEqual([]);
  });
});

describe('metrics', () => {
  /** Metric names and label names as the sources register them (`new Counter({ name: ..., labelNames: [...] })`). */
  function metricsInCode(): Map<string, string[]> {
    const found = new Map<string, string[]>();
    for (const file of ['operator/src/runtime/metrics.ts', 'operator/src/runtime/workqueue-metrics.ts', 'operator/src/manager.ts', 'console/server/metrics.ts']) {
      for (const m of read(file).matchAll(/new (?:Counter|Gauge|Histogram|Summary)\(\{([\s\S]*?)\}\)/g)) {
        const name = /name: '([a-z_]+)'/.exec(m[1]!)?.[1];
        const labels = /labelNames: \[([^\]]*)\]/.exec(m[1]!)?.[1] ?? '';
        if (name) found.set(name, [...labels.matchAll(/'(\w+)'/g)].map((l) => l[1]!));
      }
    }
    return found;
  }
  const metricPattern = /\b((?:dbwarden|workqueue)_[a-z_]*_(?:total|seconds|depth|bytes)|workqueue_depth)(\{[^}]*\})?/g;
  const mentions = [...allDocs.matchAll(metricPattern)].map((m) => ({
    name: m[1]!,
    labels: m[2] ? m[2].slice(1, -1).split(',').map((l) => l.split('=')[0]!.trim()).filter(Boolean) : undefined,
  }));

  it('finds every metric the operator and console register (checked against their registries where they can be built)', async () => {
    const code = metricsInCode();
    const { ConsoleMetrics } = await import('../../console/server/metrics.js');
    const { createOperatorMetrics } = await import('../../operator/src/runtime/metrics.js');
    for (const registry of [new ConsoleMetrics().registry, createOperatorMetrics({ processMetrics: false }).registry]) {
      for (const metric of registry.getMetricsAsArray()) {
        if (!/^(dbwarden|workqueue)_/.test(metric.name)) continue;
        expect(code.get(metric.name), metric.name).toEqual((metric as unknown as { labelNames: string[] }).labelNames);
      }
    }
    expect(code.has('dbwarden_database_writes_total')).toBe(true);
  });

  it('every metric the docs name exists, with labels it has', () => {
    const code = metricsInCode();
    for (const m of mentions) {
      expect(code.has(m.name), `${m.name} is registered`).toBe(true);
      for (const label of m.labels ?? []) expect(code.get(m.name), `${m.name}{${label}}`).toContain(label);
    }
  });

  it('every metric is documented once with all its labels', () => {
    for (const [name, labels] of metricsInCode()) {
      const full = mentions.filter((m) => m.name === name && (labels.length === 0 || sorted(m.labels ?? []).join() === sorted(labels).join()));
      expect(full.length, `${name}${labels.length ? `{${labels.join(',')}}` : ''} in the docs`).toBeGreaterThan(0);
    }
  });
});

describe('condition reasons and events', () => {
  it("docs/operator.md's Conditions table lists exactly the reasons each kind reports", () => {
    const byKind = new Map<string, string[]>();
    let kind = '';
    for (const [k, reasons] of tableRows(docs['docs/operator.md']!, '## Conditions').slice(1)) {
      if (k) kind = k.replace(/`/g, '');
      byKind.set(kind, [...(byKind.get(kind) ?? []), ...codes(reasons!)]);
    }
    expect(sorted(byKind.get('DatabaseConnection') ?? [])).toEqual(sorted([readyReasons.DatabaseConnection, ...connectionFailureReasons]));
    expect(sorted(byKind.get('AccessPolicy') ?? [])).toEqual(sorted([readyReasons.AccessPolicy, ...policyFailureReasons]));
    expect(sorted(byKind.get('AccessPolicy (LeastPrivilege)') ?? [])).toEqual(sorted(leastPrivilegeReasons));
  });

  it('docs/troubleshooting.md says what to check for every failure reason', () => {
    const reasonsIn = (heading: string): string[] => tableRows(docs['docs/troubleshooting.md']!, heading).slice(1).flatMap((r) => codes(r[0]!));
    expect(sorted(reasonsIn('## DatabaseConnection not Ready'))).toEqual(sorted(connectionFailureReasons));
    expect(sorted(reasonsIn('## AccessPolicy not Ready'))).toEqual(sorted(policyFailureReasons));
  });

  it("docs/operator.md's Events table lists exactly the events besides failures, with their types", () => {
    const rows = tableRows(docs['docs/operator.md']!, '### Events').slice(1);
    const documented: Record<string, Record<string, string>> = {};
    let kind = '';
    for (const [k, events, type] of rows) {
      if (k) kind = k.replace(/`/g, '');
      for (const event of codes(events!)) (documented[kind] ??= {})[event] = type!;
    }
    expect(documented).toEqual(eventReasons);
  });

  it('the GitOps health checks name reasons that exist', () => {
    const all = new Set<string>([...connectionFailureReasons, ...policyFailureReasons]);
    for (const file of ['docs/gitops/argocd/argocd-cm.yaml', 'docs/gitops/flux/policies-kustomization.yaml']) {
      const named = [...read(file).matchAll(/reason\s*(?:==|in)\s*(\[[^\]]*\]|"[^"]*"|'[^']*')/g)].flatMap((m) => [...m[1]!.matchAll(/["']([A-Za-z]+)["']/g)].map((q) => q[1]!));
      expect(named.length, file).toBeGreaterThan(0);
      for (const reason of named) expect(all, `${file}: ${reason}`).toContain(reason);
    }
  });
});

describe('commands and statements that went wrong before', () => {
  it('no port-forward is followed by && (it runs until stopped, so the next command never would)', () => {
    for (const [file, text] of Object.entries(docs)) {
      for (const line of text.split('\n')) expect(line, file).not.toMatch(/port-forward[^#\n]*&&/);
    }
  });

  it('no command makes a namespace with helm --create-namespace, which sets no Pod Security label', () => {
    for (const [file, text] of Object.entries(docs)) {
      for (const line of blocks(text).join('\n').split('\n')) expect(line, `${file}: create and label the namespace first`).not.toContain('--create-namespace');
    }
  });

  it("README's version notes say what package.json says", () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; overrides: Record<string, string> };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };
    const notes = docs['README.md']!.slice(docs['README.md']!.indexOf('## Notes on versions')).replace(/\s+/g, ' ');
    const locked = lock.packages['node_modules/@kubernetes/client-node']!.version;
    expect(notes).toContain(`\`@kubernetes/client-node\` \`${pkg.dependencies['@kubernetes/client-node']}\` (${locked} in \`package-lock.json\`)`);
    expect(notes).toContain(`undici ${pkg.overrides.undici}`);
    expect(notes).not.toMatch(/pinned/);
  });

  it("the CRD's adminSecretRef and the MySQL error hint name the MySQL privileges docs/operator.md grants", () => {
    const grant = /GRANT ([A-Z ,]+) ON \*\.\* TO 'dbwarden_admin'/.exec(docs['docs/operator.md']!)![1]!.split(',').map((p) => p.trim());
    expect(grant).toEqual(['CREATE USER', 'PROCESS', 'CONNECTION ADMIN']);
    const crd = parse(read('crds/databaseconnections.dbwarden.io.yaml')) as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { adminSecretRef: { description: string } } } } } } }[] } };
    const description = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.adminSecretRef.description;
    const hint = read('operator/src/engines/mysql/errors.ts');
    for (const text of [description, hint]) {
      for (const privilege of [...grant, 'SELECT on mysql.*', 'WITH GRANT OPTION']) expect(text).toContain(privilege);
    }
  });

  it('docs/install.md gives the failover timings of the defaults and of test/e2e/ha-failover.test.ts', () => {
    const install = docs['docs/install.md']!.replace(/\s+/g, ' ');
    const defaults = loadOperatorConfig([], {});
    if (defaults === 'help') throw new Error('help');
    const seconds = (ms: number): string => `${ms / 1000} s`;
    expect(install).toContain(`${seconds(defaults.leaseDurationMs)} lease duration and ${seconds(defaults.retryPeriodMs)} retry period`);
    const test = read('test/e2e/ha-failover.test.ts');
    const lease = /--leader-election-lease-duration=(\d+)s/.exec(test)![1];
    const retry = /--leader-election-retry-period=(\d+)s/.exec(test)![1];
    expect(install).toContain(`${lease} s lease duration and ${retry} s retry period`);
  });
});
