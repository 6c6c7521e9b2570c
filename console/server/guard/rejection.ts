import { GuardRejected } from '../errors.js';

/** Throws the guard's refusal: `rule` is a stable name (audit, metrics), `message` is for a person. */
export function reject(rule: string, message: string): never {
  throw new GuardRejected(rule, message);
}
