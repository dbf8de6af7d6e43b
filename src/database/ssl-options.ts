/** DB_SSL to node-postgres TLS options: production should use verify-full. */
export function sslOptions(mode: string): false | { rejectUnauthorized: boolean } {
  if (mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-full') return { rejectUnauthorized: true };
  return false;
}
