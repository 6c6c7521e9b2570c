import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { EngineError } from '../engine.js';

const iterations = 4096;
const saltBytes = 16;
const derive = promisify(pbkdf2);

/**
 * PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802 / RFC 7677), computed here so the plaintext
 * never reaches the server (nor its statement log):
 * "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>", all base64.
 *
 * The server SASLprep-normalises non-ASCII passwords; ASCII needs no normalisation, so only printable ASCII is
 * accepted (generated passwords always are). The key derivation (4,096 rounds, some milliseconds) runs on
 * libuv's thread pool, not on the event loop the other reconciles share.
 */
export async function scramSha256Verifier(password: string, salt: Buffer = randomBytes(saltBytes)): Promise<string> {
  if (!/^[\x20-\x7e]+$/.test(password)) {
    throw new EngineError('Unsupported', 'passwords must be non-empty printable ASCII', false);
  }
  const saltedPassword = await derive(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  const b64 = (bytes: Buffer): string => bytes.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
