/**
 * Small fakes for the controllers' unit tests: a database that keeps logins and passwords (the state the
 * password protocol must keep consistent), and a Secret API that keeps Secrets by name. The real ones are
 * exercised by the engine tests and test/e2e.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { AccessPolicy } from '@dbwarden/api';
import type {
  Engine, GrantReport, LoginAudit, Ownership, PrincipalSpec, ServerFacts, SyncResult,
} from '../engines/engine.js';
import type { KubeClient } from '../kube/client.js';
import { decodeSecretData } from '../kube/secret-data.js';

interface Login {
  passwords: string[];
  sessions: number;
}

/** A database with login users: which exist, which passwords log in, how many sessions each has. */
export class FakeDatabase implements Engine {
  readonly kind = 'postgres';
  readonly logins = new Map<string, Login>();
  /** Logins someone else made (ownership says foreign). */
  readonly foreign = new Set<string>();
  dualPasswords = false;

  facts(): Promise<ServerFacts> {
    return Promise.resolve({
      product: 'PostgreSQL', serverVersion: 'PostgreSQL 15.0', tls: { encrypted: true, verified: true },
      admin: { superuser: false, canCreateUsers: true, message: '' }, dualPasswords: this.dualPasswords,
      accessLog: { connections: true, detail: 'connections are logged' }, defaultPrivileges: [],
    });
  }

  loginNames(principal: PrincipalSpec): string[] {
    return principal.strategy === 'alternating' ? [`${principal.name}_a`, `${principal.name}_b`] : [principal.name];
  }

  ownership(principal: PrincipalSpec): Promise<Ownership> {
    const existing = this.loginNames(principal).filter((l) => this.logins.has(l));
    const foreign = existing.filter((l) => this.foreign.has(l));
    const ours = existing.filter((l) => !this.foreign.has(l));
    return Promise.resolve({ state: existing.length === 0 ? 'absent' : foreign.length ? 'foreign' : 'ours', foreign, existing, ours });
  }

  ensurePrincipal(principal: PrincipalSpec, passwords: Record<string, string>): Promise<string[]> {
    const created: string[] = [];
    for (const login of this.loginNames(principal)) {
      const password = passwords[login];
      if (this.logins.has(login) || password === undefined) continue;
      this.logins.set(login, { passwords: [password], sessions: 0 });
      created.push(login);
    }
    return Promise.resolve(created);
  }

  setPassword(login: string, password: string, options?: { retainCurrent?: boolean }): Promise<void> {
    const l = this.login(login);
    l.passwords = options?.retainCurrent ? [password, ...l.passwords.slice(0, 1)] : [password];
    return Promise.resolve();
  }

  discardOldPassword(login: string): Promise<void> {
    const l = this.login(login);
    l.passwords = l.passwords.slice(0, 1);
    return Promise.resolve();
  }

  canLogin(login: string, password: string): Promise<boolean> {
    return Promise.resolve(this.logins.get(login)?.passwords.includes(password) ?? false);
  }

  terminateSessions(login: string): Promise<number> {
    const l = this.login(login);
    const ended = l.sessions;
    l.sessions = 0;
    return Promise.resolve(ended);
  }

  drop(principal: PrincipalSpec): Promise<void> {
    for (const login of this.loginNames(principal)) if (!this.foreign.has(login)) this.logins.delete(login);
    return Promise.resolve();
  }

  syncGrants(): Promise<SyncResult> {
    return Promise.resolve({ granted: [], revoked: [], report: { tables: [], privileges: [] } });
  }

  readGrants(): Promise<GrantReport> {
    return Promise.resolve({ tables: [], privileges: [] });
  }

  revokeSystemPrivileges(): Promise<string[]> {
    return Promise.resolve([]);
  }

  audit(login: string): Promise<LoginAudit> {
    return Promise.resolve({ login, exists: this.logins.has(login), findings: [] });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private login(name: string): Login {
    const l = this.logins.get(name);
    if (!l) throw new Error(`no login ${name}`);
    return l;
  }
}

/** The Secret calls of KubeClient, on a map of Secrets by namespace/name, with resourceVersions. */
export class FakeSecrets {
  readonly secrets = new Map<string, V1Secret>();
  private version = 0;

  get client(): KubeClient {
    return this as unknown as KubeClient;
  }

  getSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    return Promise.resolve(structuredClone(this.secrets.get(`${namespace}/${name}`)));
  }

  createSecret(namespace: string, body: V1Secret): Promise<V1Secret> {
    const key = `${namespace}/${body.metadata?.name}`;
    if (this.secrets.has(key)) throw new Error(`Secret ${key} already exists`);
    return this.store(key, body);
  }

  replaceSecret(namespace: string, body: V1Secret): Promise<V1Secret> {
    const key = `${namespace}/${body.metadata?.name}`;
    if (!this.secrets.has(key)) throw new Error(`Secret ${key} not found`);
    return this.store(key, body);
  }

  /** The Secret's data, decoded. */
  data(namespace: string, name: string): Record<string, string> {
    return decodeSecretData(this.secrets.get(`${namespace}/${name}`));
  }

  private store(key: string, body: V1Secret): Promise<V1Secret> {
    const stored = structuredClone({ ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } });
    this.secrets.set(key, stored);
    return Promise.resolve(structuredClone(stored));
  }
}

export const testPolicy = (spec: Partial<AccessPolicy['spec']> = {}, metadata: AccessPolicy['metadata'] = {}): AccessPolicy => ({
  metadata: { namespace: 'shop', name: 'ai', uid: 'uid-ai', generation: 1, ...metadata },
  spec: { connectionRef: { name: 'shop-db' }, ...spec },
});
