import { isDeepStrictEqual } from 'node:util';

/** Structural equality after a JSON round trip (what the API server stores drops undefined fields). */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}
