/** One column of the `items` of a page response body (records or audit entries). */
export function column(res: { body: unknown }, name: string): unknown[] {
  return (res.body as { items: Record<string, unknown>[] }).items.map((row) => row[name]);
}
