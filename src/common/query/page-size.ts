/**
 * How many items a keyset-paged list returns: `limit` defaults to DEFAULT_PAGE_SIZE and may ask
 * for up to MAX_PAGE_SIZE. Shared by the paged routes (the audit log; dataset records use the
 * same figures), so a client learns one rule.
 */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
