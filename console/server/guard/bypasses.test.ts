import { describe, expect, it } from 'vitest';
import { GuardRejected } from '../errors.js';
import { gatewayBypasses } from './corpus-bypasses.js';
import { guard } from './index.js';
import type { GuardPolicy } from './types.js';

const policy: GuardPolicy = { access: 'read-only', database: 'shop', tables: [{ schema: 'public', name: 'products' }, { schema: 'public', name: 'orders' }] };

describe.each(['postgres', 'mysql'] as const)('public bypasses of read-only SQL gateways (%s)', (dialect) => {
  it.each(gatewayBypasses[dialect].map((b) => [b.why, b.sql, b.rule] as const))('refuses %s', (_why, sql, rule) => {
    let refused: unknown;
    try {
      guard(sql, { dialect, policy });
    } catch (err) {
      refused = err;
    }
    expect(refused, `accepted: ${sql}`).toBeInstanceOf(GuardRejected);
    expect((refused as GuardRejected).rule, (refused as GuardRejected).message).toBe(rule);
  });
});
