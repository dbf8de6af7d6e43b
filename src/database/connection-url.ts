/** The same server and database as the owner URL, logged in as another role. */
export function urlForRole(ownerUrl: string, role: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** For log lines: the URL without its credentials. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = parsed.username ? '***' : '';
  parsed.password = parsed.password ? '***' : '';
  return parsed.toString();
}
