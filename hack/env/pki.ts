import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.js';

/** A certificate and its key, as file paths. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface LeafOptions {
  commonName: string;
  organization?: string;
  /** Subject alternative names, such as `DNS:localhost` or `IP:127.0.0.1`. */
  altNames?: string[];
  usage: 'server' | 'client';
}

const subject = (cn: string, o?: string): string => (o ? `/O=${o}/CN=${cn}` : `/CN=${cn}`);

/** Creates (once) a self-signed CA in dir/name.{crt,key}. */
export async function ensureCa(dir: string, name: string, commonName: string): Promise<KeyPair> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(pair.cert) && existsSync(pair.key)) return pair;
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
    '-keyout', pair.key, '-out', pair.cert, '-subj', subject(commonName),
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair;
}

/** Issues (once) a leaf certificate signed by ca into dir/name.{crt,key}. */
export async function ensureLeaf(ca: KeyPair, dir: string, name: string, options: LeafOptions): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(pair.cert) && existsSync(pair.key)) return pair;
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${options.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (options.altNames?.length) lines.push(`subjectAltName=${options.altNames.join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  await run('openssl', [
    'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', pair.key, '-out', csr,
    '-subj', subject(options.commonName, options.organization),
  ]);
  await run('openssl', [
    'x509', '-req', '-sha256', '-days', '825', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key,
    '-CAcreateserial', '-out', pair.cert, '-extfile', ext,
  ]);
  return pair;
}

/** Creates (once) an RSA private key in PEM (PKCS#8), e.g. for signing ServiceAccount tokens. */
export async function ensureRsaKey(path: string): Promise<string> {
  if (!existsSync(path)) await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path]);
  return path;
}
