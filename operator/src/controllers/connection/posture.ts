import type { PostureCheck, PostureStatus } from '@dbwarden/api';
import type { ServerFacts, TlsMode } from '../../engines/engine.js';

/** What the posture checks look at; later checks (policies, network, rotation) are added as they are known. */
export interface PostureInput {
  mode: TlsMode;
  facts: ServerFacts;
  extra?: PostureCheck[];
}

function tlsEnabled({ facts }: PostureInput): PostureCheck {
  return facts.tls.encrypted
    ? { name: 'TLSEnabled', passed: true, message: `connections are encrypted (${facts.tls.protocol ?? 'TLS'})` }
    : { name: 'TLSEnabled', passed: false, message: 'connections are not encrypted: set spec.tls.mode to verify-full and enable TLS on the server' };
}

function tlsVerified({ mode, facts }: PostureInput): PostureCheck {
  if (mode === 'verify-full' && facts.tls.verified) {
    return { name: 'TLSVerified', passed: true, message: 'the server certificate and host name are verified against a CA' };
  }
  if (mode === 'verify-ca' && facts.tls.verified) {
    return { name: 'TLSVerified', passed: true, message: 'the server certificate is verified against a CA, but not its host name: prefer verify-full' };
  }
  return {
    name: 'TLSVerified',
    passed: false,
    message: `tls.mode is ${mode}: the server's identity is not verified, so a man in the middle can read credentials and data; use verify-full with tls.caSecretRef`,
  };
}

function adminNotSuperuser({ facts }: PostureInput): PostureCheck {
  return facts.admin.superuser
    ? { name: 'AdminNotSuperuser', passed: false, message: facts.admin.message }
    : { name: 'AdminNotSuperuser', passed: true, message: 'the provisioning account is not a superuser' };
}

function accessLogged({ facts }: PostureInput): PostureCheck {
  const { connections, detail } = facts.accessLog;
  return { name: 'AccessLogged', passed: connections === true, message: detail };
}

function defaultPrivileges({ facts }: PostureInput): PostureCheck {
  const found = facts.defaultPrivileges;
  return found.length === 0
    ? { name: 'DefaultPrivileges', passed: true, message: 'no privilege every login gets by default was found (temporary tables, schema public, file and connection functions)' }
    : { name: 'DefaultPrivileges', passed: false, message: found.map((f) => `${f.finding} (fix: ${f.fix})`).join('; ') };
}

export function posture(input: PostureInput): PostureStatus {
  const checks = [tlsEnabled(input), tlsVerified(input), adminNotSuperuser(input), accessLogged(input), defaultPrivileges(input), ...(input.extra ?? [])];
  const passed = checks.filter((c) => c.passed).length;
  return { passed, total: checks.length, summary: `${passed}/${checks.length}`, checks };
}
