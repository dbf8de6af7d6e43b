/**
 * Format 2 of sealed values and wrapped data keys (migrations/1795564970000-BindValuesToTheirClient.ts),
 * implemented again with node:crypto, apart from the SQL: tests open stored bytes the way
 * someone holding a copy of the tables and the keys would, so a test passes only if the
 * database wrote what the format says; and values sealed here must open in the database.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const SEALED_HEADER = Buffer.from('00535202', 'hex');
export const WRAP_HEADER = Buffer.from('00534b02', 'hex');
const IV = 16;
const TAG = 16;

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** KDF(K, label): AES-256-ECB of label || 02 || i, i = 1..4; encryption key, then MAC key. */
function deriveKeys(key: Buffer, label: string): { enc: Buffer; mac: Buffer } {
  const blocks = [1, 2, 3, 4].map((i) =>
    Buffer.concat([Buffer.from(label, 'ascii'), Buffer.from([2, i])]),
  );
  const c = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  const out = Buffer.concat([c.update(Buffer.concat(blocks)), c.final()]);
  return { enc: out.subarray(0, 32), mac: out.subarray(32) };
}

const int64be = (id: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(id));
  return b;
};

function valueContext(clientId: number, column: string): Buffer {
  const label = Buffer.from(column, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(label.length);
  return Buffer.concat([int64be(clientId), length, label]);
}

const valueTag = (block: Buffer, mac: Buffer, clientId: number, column: string) =>
  hmac(mac, Buffer.concat([valueContext(clientId, column), block])).subarray(0, TAG);

const wrapTag = (block: Buffer, mac: Buffer, clientId: number) =>
  hmac(mac, Buffer.concat([int64be(clientId), block])).subarray(0, TAG);

/** A data key as smartretail.client_keys holds it for `clientId`, under a master key (hex). */
export function unwrapDataKey(wrapped: Buffer, masterKeyHex: string, clientId: number): Buffer {
  const { enc, mac } = deriveKeys(Buffer.from(masterKeyHex, 'hex'), 'smartretail.wk');
  if (wrapped.length !== 52 || !wrapped.subarray(0, 4).equals(WRAP_HEADER))
    throw new Error('not a wrapped key of format 2');
  if (!wrapTag(wrapped.subarray(0, 36), mac, clientId).equals(wrapped.subarray(36)))
    throw new Error('wrapped key tag mismatch');
  const d = createDecipheriv('aes-256-cbc', enc, Buffer.alloc(16)).setAutoPadding(false);
  return Buffer.concat([d.update(wrapped.subarray(4, 36)), d.final()]);
}

/** The wrapped form of `dataKey` for `clientId`, as the database writes it. */
export function wrapDataKey(dataKey: Buffer, masterKeyHex: string, clientId: number): Buffer {
  const { enc, mac } = deriveKeys(Buffer.from(masterKeyHex, 'hex'), 'smartretail.wk');
  const c = createCipheriv('aes-256-cbc', enc, Buffer.alloc(16)).setAutoPadding(false);
  const block = Buffer.concat([WRAP_HEADER, c.update(dataKey), c.final()]);
  return Buffer.concat([block, wrapTag(block, mac, clientId)]);
}

/** Format 1's wrap (raw AES-256-CBC under the master key), for databases before format 2. */
export function unwrapFormatOneDataKey(wrapped: Buffer, masterKeyHex: string): Buffer {
  const d = createDecipheriv('aes-256-cbc', Buffer.from(masterKeyHex, 'hex'), Buffer.alloc(16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(wrapped), d.final()]);
}

/** The clear text of client `clientId`'s sealed value of `column`; throws on a tag mismatch. */
export function openSealedValue(
  value: Buffer,
  dataKey: Buffer,
  clientId: number,
  column: string,
): string {
  if (!value.subarray(0, 4).equals(SEALED_HEADER)) throw new Error('not a sealed value');
  const { enc, mac } = deriveKeys(dataKey, 'smartretail.vk');
  const block = value.subarray(0, value.length - TAG);
  if (!valueTag(block, mac, clientId, column).equals(value.subarray(value.length - TAG)))
    throw new Error('tag mismatch');
  const d = createDecipheriv('aes-256-cbc', enc, value.subarray(4, 4 + IV));
  return Buffer.concat([d.update(value.subarray(4 + IV, value.length - TAG)), d.final()]).toString(
    'utf8',
  );
}

export function opens(value: Buffer, dataKey: Buffer, clientId: number, column: string): boolean {
  try {
    openSealedValue(value, dataKey, clientId, column);
    return true;
  } catch {
    return false;
  }
}

/** A value sealed outside the database, as #19's writer will (or a forger holding some key). */
export function sealValue(
  clear: string,
  dataKey: Buffer,
  clientId: number,
  column: string,
): Buffer {
  const { enc, mac } = deriveKeys(dataKey, 'smartretail.vk');
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-cbc', enc, iv);
  const block = Buffer.concat([SEALED_HEADER, iv, c.update(Buffer.from(clear, 'utf8')), c.final()]);
  return Buffer.concat([block, valueTag(block, mac, clientId, column)]);
}

/** Length of a sealed value of `clear`: header, IV, PKCS#7-padded blocks, tag. */
export const sealedLength = (clear: string) =>
  4 + IV + (Math.floor(Buffer.byteLength(clear, 'utf8') / 16) + 1) * 16 + TAG;
