import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * Builds a PostgreSQL SCRAM-SHA-256 verifier, so `ALTER ROLE ... PASSWORD` sends the server a
 * verifier rather than the password: the plaintext never reaches the server or its logs (this is
 * what psql's \password does). Passwords here are generated ASCII, so SASLprep is the identity.
 */
export function scramSha256Verifier(
  password: string,
  salt = randomBytes(16),
  iterations = 4096,
): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
