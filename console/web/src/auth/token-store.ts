/**
 * Where the bearer token lives: in memory by default, or in this tab's sessionStorage when the person asks
 * to stay signed in across reloads (gone when the tab closes). Never localStorage, cookies or the URL.
 */
const key = 'dbwarden.console.token';

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string, remember: boolean): void {
  try {
    if (remember) sessionStorage.setItem(key, token);
    else sessionStorage.removeItem(key);
  } catch {
    // Storage disabled: the token stays in memory only.
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(key);
  } catch {
    // nothing stored
  }
}
