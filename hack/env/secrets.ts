import { randomBytes } from 'node:crypto';

/** A random password for the local admin accounts: 32 URL-safe characters from the CSPRNG. */
export function localPassword(): string {
  return randomBytes(24).toString('base64url');
}
