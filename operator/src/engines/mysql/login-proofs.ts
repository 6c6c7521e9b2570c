import { createHash } from 'node:crypto';

/**
 * MySQL/MariaDB accounts proven ours by logging in (accounts.ts ownershipOf), remembered with the
 * account's stored password hash as it was then. While `mysql.user.authentication_string` is unchanged, the
 * same password still opens the same account, so the proof holds and the next pass needs no login: one TLS
 * connection and authentication fewer per MySQL policy and pass (every resync period). A changed hash (a new
 * password, the account dropped and made again) means a new login; so does a new engine (operator restart).
 *
 * Only digests are kept: SHA-256 over the login, the password and the stored hash, never either in clear.
 */
export class LoginProofs {
  readonly #proven = new Map<string, string>();

  constructor(private readonly maxEntries = 100_000) {}

  /** Was `password` proven for `login` while the account's stored hash was `authentication`? */
  holds(login: string, password: string, authentication: string): boolean {
    return authentication !== '' && this.#proven.get(login) === digest(login, password, authentication);
  }

  record(login: string, password: string, authentication: string): void {
    if (authentication === '') return;
    this.#proven.delete(login);
    if (this.#proven.size >= this.maxEntries) this.#proven.delete(this.#proven.keys().next().value!);
    this.#proven.set(login, digest(login, password, authentication));
  }

  forget(login: string): void {
    this.#proven.delete(login);
  }

  get size(): number {
    return this.#proven.size;
  }
}

function digest(login: string, password: string, authentication: string): string {
  return createHash('sha256').update(JSON.stringify([login, password, authentication])).digest('base64');
}
