/**
 * Dockerfiles cannot be built here (no Docker engine), so they are checked by reading them: what they copy
 * exists, and the final image is non-root, has no package manager or dev dependencies, and checks health.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

interface Instruction {
  op: string;
  args: string;
}

interface Dockerfile {
  /** ARGs before the first FROM, with their defaults: the only ones a FROM line may use. */
  globalArgs: Map<string, string>;
  /** Instructions split into stages at FROM, each FROM with its base as written. */
  stages: Instruction[][];
}

/** Instructions with line continuations joined and comments dropped. */
function parse(file: string): Dockerfile {
  const text = readFileSync(join(root, file), 'utf8').replace(/\\\n/g, ' ');
  const globalArgs = new Map<string, string>();
  const result: Instruction[][] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [op = '', ...rest] = trimmed.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') result.push([]);
    if (result.length === 0 && instruction.op === 'ARG') {
      const [name = '', value = ''] = instruction.args.split('=');
      globalArgs.set(name, value);
    }
    result.at(-1)?.push(instruction);
  }
  return { globalArgs, stages: result };
}

/** The base a FROM line names when built without --build-arg: its ${ARG} replaced by the default. */
function defaultBase(dockerfile: Dockerfile, from: Instruction | undefined): string {
  const image = from?.args.split(/\s+/).find((word) => !word.startsWith('--')) ?? '';
  return image.replace(/\$\{?(\w+)\}?/g, (_, name: string) => dockerfile.globalArgs.get(name) ?? `<unset ${name}>`);
}

describe.each(['operator/Dockerfile', 'console/Dockerfile'])('%s', (file) => {
  const dockerfile = parse(file);
  const all = dockerfile.stages;
  const final = all.at(-1)!;

  it('is multi-stage, with a distroless non-root final image', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(defaultBase(dockerfile, final[0])).toBe('gcr.io/distroless/nodejs20-debian12:nonroot');
    const user = final.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
  });

  it('installs nothing in the final image and copies only built files into it', () => {
    expect(final.filter((i) => i.op === 'RUN')).toEqual([]);
    for (const copy of final.filter((i) => i.op === 'COPY')) expect(copy.args).toMatch(/--from=build/);
    expect(final.some((i) => i.op === 'ENTRYPOINT' && i.args.startsWith('['))).toBe(true);
    expect(final.some((i) => i.op === 'HEALTHCHECK' && i.args.includes('/healthz'))).toBe(true);
  });

  it('takes both bases as build arguments, defaulting to the standard public images', () => {
    expect(all[0]?.[0]?.args).toBe('--platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build');
    expect(final[0]?.args).toBe('${RUNTIME_IMAGE}');
    expect(defaultBase(dockerfile, all[0]?.[0])).toBe('node:20.20-bookworm-slim');
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(/^>=20\./);
  });

  it('installs exactly the lockfile in the build stage and copies paths that exist', () => {
    const build = all[0]!;
    expect(build.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args))).toBe(true);
    expect(build.some((i) => i.op === 'RUN' && /\bnpm install\b/.test(i.args))).toBe(false);
    for (const copy of build.filter((i) => i.op === 'COPY')) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) expect(existsSync(join(root, source)), `${source} exists`).toBe(true);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, local state (passwords) and git out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.dev', '.git']) expect(ignored).toContain(entry);
  });
});
