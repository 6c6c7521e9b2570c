import type { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { reuseConnections } from './client.js';

describe('reuseConnections', () => {
  it('hands out one dispatcher per server and TLS identity, compared by content', () => {
    let made = 0;
    const kc: { createDispatcher: (cluster: unknown, options: unknown) => unknown } = { createDispatcher: () => ({ n: ++made }) };
    reuseConnections(kc as unknown as KubeConfig);
    const make = (server: string, ca: string | Buffer, cert?: Buffer) =>
      kc.createDispatcher({ server }, { ca, ...(cert ? { cert } : {}), rejectUnauthorized: true });
    const first = make('https://a:6443', Buffer.from('CA'), Buffer.from('CERT'));
    expect(make('https://a:6443', Buffer.from('CA'), Buffer.from('CERT'))).toBe(first);
    expect(make('https://a:6443', Buffer.from('CA'), Buffer.from('OTHER'))).not.toBe(first);
    expect(make('https://b:6443', Buffer.from('CA'), Buffer.from('CERT'))).not.toBe(first);
    expect(make('https://a:6443', 'CA')).toBe(make('https://a:6443', 'CA'));
    expect(made).toBe(4);
  });
});
