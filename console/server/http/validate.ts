import type { z } from 'zod';
import { InvalidRequest } from '../errors.js';

/** Validates input at the edge; a failure is a 400 that lists every problem. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new InvalidRequest(`Invalid ${what}: ${problems.join('; ')}.`);
}
