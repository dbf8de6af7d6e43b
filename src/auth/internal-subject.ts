/**
 * The subjects under which the service's own jobs (the retention purge) act and are audited.
 * The audit trail takes `sub` from the token of whoever asks, so a prefix no token may carry is
 * what lets a reader trust that `smartretail:retention` was the job and not an admin's token
 * wearing its name. The check is case-insensitive: `SmartRetail:retention` reads the same.
 */
export const INTERNAL_SUBJECT_PREFIX = 'smartretail:';

export const internalSubject = (job: string): string => `${INTERNAL_SUBJECT_PREFIX}${job}`;

export const isInternalSubject = (sub: string): boolean =>
  sub.toLowerCase().startsWith(INTERNAL_SUBJECT_PREFIX);

export const RESERVED_SUBJECT_MESSAGE = `Token subjects (sub) starting with "${INTERNAL_SUBJECT_PREFIX}" are reserved for the service's own jobs in the audit trail`;
