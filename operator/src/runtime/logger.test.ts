import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, forController, forKey } from './logger.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const lines = () =>
    chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON with an ISO time and the level name', () => {
    const out = capture();
    createLogger('info', out.stream).info({ answer: 42 }, 'hello');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', msg: 'hello', answer: 42 });
    expect(String(line?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('drops lines below its level', () => {
    const out = capture();
    const log = createLogger('warn', out.stream);
    log.info('quiet');
    log.warn('loud');
    expect(out.lines().map((l) => l.msg)).toEqual(['loud']);
  });

  it('redacts secret-bearing fields at the top level and deep inside objects and arrays', () => {
    const out = capture();
    createLogger('info', out.stream).info(
      {
        password: 'p0',
        token: 't0',
        connection: { uri: 'postgres://u:p1@db/shop', pass: 'p2', host: 'db' },
        req: { headers: { authorization: 'Bearer abc', Authorization: 'Bearer def', accept: 'json' } },
        secret: { metadata: { name: 'creds' }, data: { password: 'cDM=' }, stringData: { password: 'p4' } },
        list: [{ spec: { admin: { password: 'p5' } } }],
        deep: { a: { b: { c: { d: { password: 'p6' } } } } },
      },
      'objects',
    );
    const text = JSON.stringify(out.lines()[0]);
    for (const secret of ['p0', 't0', 'p1', 'p2', 'abc', 'def', 'cDM=', 'p4', 'p5', 'p6']) {
      expect(text).not.toContain(secret);
    }
    expect(out.lines()[0]).toMatchObject({
      password: '[REDACTED]',
      connection: { uri: '[REDACTED]', host: 'db' },
      req: { headers: { accept: 'json' } },
      secret: { metadata: { name: 'creds' }, data: '[REDACTED]' },
    });
  });

  it('redacts child-logger bindings too', () => {
    const out = capture();
    createLogger('info', out.stream).child({ token: 'hunter2' }).info('bound');
    expect(JSON.stringify(out.lines())).not.toContain('hunter2');
  });
});

describe('child loggers', () => {
  it('carry the controller, and the key of the object being reconciled', () => {
    const out = capture();
    const controllerLog = forController(createLogger('info', out.stream), 'accesspolicy');
    controllerLog.info('started');
    forKey(controllerLog, 'shop/ai').info('reconciled');
    expect(out.lines()).toMatchObject([
      { controller: 'accesspolicy', msg: 'started' },
      { controller: 'accesspolicy', key: 'shop/ai', msg: 'reconciled' },
    ]);
  });
});
