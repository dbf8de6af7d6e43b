import { registerDecorator, ValidationOptions } from 'class-validator';

/** 32 random bytes: the AES-256 key size, and the HMAC-SHA256 block of security. */
export const MIN_SECRET_BYTES = 32;

/**
 * Decodes a secret given as hex or base64 (standard or url-safe). Returns undefined when the
 * text is neither, so the caller can say what is expected.
 */
export function decodeSecret(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return Buffer.from(value, 'base64');
  return undefined;
}

/**
 * Why something is not an acceptable key, or undefined when it is. "Random" cannot be proven,
 * but a key of too few distinct bytes (a repeated character, a short word repeated) is certainly
 * not random, and is refused.
 */
export function weakSecretReason(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return 'is required';
  const bytes = decodeSecret(text);
  if (!bytes) return 'must be hex or base64';
  if (bytes.length < MIN_SECRET_BYTES) {
    return `must decode to at least ${MIN_SECRET_BYTES} random bytes (got ${bytes.length})`;
  }
  if (new Set(bytes).size < 16) return 'is not random enough (too few distinct bytes)';
  return undefined;
}

export function IsSecretKey(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isSecretKey',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && weakSecretReason(value) === undefined,
        defaultMessage: (args) =>
          `${args?.property} ${weakSecretReason(args?.value as string | undefined) ?? 'is invalid'}: ` +
          `give at least ${MIN_SECRET_BYTES} random bytes as hex or base64 (e.g. \`openssl rand -hex 32\`)`,
      },
    });
  };
}
