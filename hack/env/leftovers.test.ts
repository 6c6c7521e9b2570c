import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leftoverOperators } from './leftovers.js';

describe('leftoverOperators', () => {
  it("finds a process running the given bundle path, and no other", async () => {
    const bundle = join(import.meta.dirname, 'no-such-bundle-for-this-test.mjs');
    // node -e with the path as an argument stands in for `node <bundle>`: the command line is what counts.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', bundle], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(leftoverOperators(bundle)).toEqual([child.pid]);
      expect(leftoverOperators(`${bundle}.other`)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
