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

/** Instructions with line continuations joined, comments dropped, split into stages at FROM. */
function stages(file: string): Instruction[][] {
  const text = readFileSync(join(root, file), 'utf8').replace(/\\\n/g, ' ');
  const result: Instruction[][] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [op = '', ...rest] = trimmed.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

describe.each(['operator/Dockerfile', 'console/Dockerfile'])('%s', (file) => {
  const all = stages(file);
  const final = all.at(-1)!;

  it('is multi-stage, with a distroless non-root final image', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(final[0]?.args).toMatch(/^gcr\.io\/distroless\/nodejs20-debian12:nonroot$/);
    const user = final.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
  });

  it('installs nothing in the final image and copies only built files into it', () => {
    expect(final.filter((i) => i.op === 'RUN')).toEqual([]);
    for (const copy of final.filter((i) => i.op === 'COPY')) expect(copy.args).toMatch(/--from=build/);
    expect(final.some((i) => i.op === 'ENTRYPOINT' && i.args.startsWith('['))).toBe(true);
    expect(final.some((i) => i.op === 'HEALTHCHECK' && i.args.includes('/healthz'))).toBe(true);
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
