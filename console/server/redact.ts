/**
 * The last line of defence for credentials: every secret value the console holds in memory (policy
 * passwords, the model's API key) is registered here, and every log line and error message passes through
 * `scrub`, which replaces those values (raw and URL-encoded) and the password part of any URI.
 */
const placeholder = '[REDACTED]';
/** `scheme://user:password@` → `scheme://user:[REDACTED]@`. */
const uriPassword = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@\s/]*@/gi;
/** Shorter values are not secrets worth scrubbing (and would mangle ordinary text). */
const minLength = 8;

export class SecretRegistry {
  private readonly counts = new Map<string, number>();

  /** Registers a value; `release` with the same value undoes one registration. */
  hold(value: string | undefined): void {
    if (!value || value.length < minLength) return;
    for (const v of new Set([value, encodeURIComponent(value)])) this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
  }

  release(value: string | undefined): void {
    if (!value || value.length < minLength) return;
    for (const v of new Set([value, encodeURIComponent(value)])) {
      const n = (this.counts.get(v) ?? 0) - 1;
      if (n <= 0) this.counts.delete(v);
      else this.counts.set(v, n);
    }
  }

  scrub(text: string): string {
    let out = text.replace(uriPassword, `$1${placeholder}@`);
    for (const value of this.counts.keys()) if (out.includes(value)) out = out.split(value).join(placeholder);
    return out;
  }

  get size(): number {
    return this.counts.size;
  }
}

/** The process's registry: pools hold their passwords here while open; the AI client its key. */
export const secrets = new SecretRegistry();
