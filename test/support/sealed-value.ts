/**
 * The sealed-value format of migrations/1795564940000-SealPersonalValues.ts, implemented again
 * with node:crypto, apart from the SQL: tests open stored bytes the way someone holding a copy
 * of the table and the keys would, so a test passes only if the database wrote what the format
 * says.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const SEALED_HEADER = Buffer.from('00535201', 'hex');
const IV = 16;
const TAG = 16;

const hmac = (key: Buffer, data: Buffer | string) =>
  createHmac('sha256', key).update(data).digest();

function valueKeys(dataKey: Buffer): { enc: Buffer; mac: Buffer } {
  return {
    enc: hmac(dataKey, 'smartretail value encryption'),
    mac: hmac(dataKey, 'smartretail value authentication'),
  };
}

const tagOf = (block: Buffer, mac: Buffer, column: string) =>
  hmac(mac, Buffer.concat([block, Buffer.from(column, 'utf8')])).subarray(0, TAG);

/** A data key as smartretail.client_keys holds it, unwrapped with a master key (hex). */
export function unwrapDataKey(wrapped: Buffer, masterKeyHex: string): Buffer {
  const d = createDecipheriv('aes-256-cbc', Buffer.from(masterKeyHex, 'hex'), Buffer.alloc(16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(wrapped), d.final()]);
}

/** The clear text of a sealed value of `column`; throws when the tag does not match. */
export function openSealedValue(value: Buffer, dataKey: Buffer, column: string): string {
  if (!value.subarray(0, 4).equals(SEALED_HEADER)) throw new Error('not a sealed value');
  const { enc, mac } = valueKeys(dataKey);
  const block = value.subarray(0, value.length - TAG);
  if (!tagOf(block, mac, column).equals(value.subarray(value.length - TAG)))
    throw new Error('tag mismatch');
  const d = createDecipheriv('aes-256-cbc', enc, value.subarray(4, 4 + IV));
  return Buffer.concat([d.update(value.subarray(4 + IV, value.length - TAG)), d.final()]).toString(
    'utf8',
  );
}

export function opens(value: Buffer, dataKey: Buffer, column: string): boolean {
  try {
    openSealedValue(value, dataKey, column);
    return true;
  } catch {
    return false;
  }
}

/** A value sealed outside the database, as a writer holding some data key could forge one. */
export function sealValue(clear: string, dataKey: Buffer, column: string): Buffer {
  const { enc, mac } = valueKeys(dataKey);
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-cbc', enc, iv);
  const block = Buffer.concat([SEALED_HEADER, iv, c.update(Buffer.from(clear, 'utf8')), c.final()]);
  return Buffer.concat([block, tagOf(block, mac, column)]);
}

/** Length of a sealed value of `clear`: header, IV, PKCS#7-padded blocks, tag. */
export const sealedLength = (clear: string) =>
  4 + IV + (Math.floor(Buffer.byteLength(clear, 'utf8') / 16) + 1) * 16 + TAG;
