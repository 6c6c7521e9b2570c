import { randomInt } from 'node:crypto';

/** Letters, digits and the URL-unreserved symbols: safe in a URL (even unencoded), a shell word and a DSN. */
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

/** A password from the CSPRNG: 40 characters (≈ 243 bits), with at least one letter, digit and symbol. */
export function generatePassword(length = 40): string {
  if (length < 32) throw new Error('passwords are at least 32 characters');
  for (;;) {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
    if (/[A-Za-z]/.test(out) && /[0-9]/.test(out) && /[-._~]/.test(out)) return out;
  }
}
