/**
 * Which master keys a transaction carries (see migrations/1795564920000-EnvelopeEncryption.ts).
 * Outside a rotation: ENCRYPTION_KEY, as version ENCRYPTION_KEY_VERSION. During one
 * (NEW_ENCRYPTION_KEY set): the new key as version + 1, which wraps every new data key, and the
 * old one as the retiring key, which only unwraps the keys not re-wrapped yet.
 */
import type { AppConfig } from '../config/app-config';

export interface SessionMasterKeys {
  /** Canonical hex; wraps new data keys. */
  key: string;
  version: number;
  /** Canonical hex of version - 1, or '' when no rotation is under way. */
  retiringKey: string;
}

export function sessionMasterKeys(
  config: Pick<AppConfig, 'encryptionKey' | 'encryptionKeyVersion' | 'newEncryptionKey'>,
): SessionMasterKeys {
  return config.newEncryptionKey
    ? {
        key: config.newEncryptionKey,
        version: config.encryptionKeyVersion + 1,
        retiringKey: config.encryptionKey,
      }
    : { key: config.encryptionKey, version: config.encryptionKeyVersion, retiringKey: '' };
}
