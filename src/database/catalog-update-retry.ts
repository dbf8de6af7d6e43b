/**
 * PostgreSQL updates a shared catalog row (a role, a database's ACL) without waiting for a
 * concurrent writer of the same row: the loser fails with "tuple concurrently updated" instead of
 * blocking. Replicas starting together, services of other databases on the same server, and
 * autovacuum's in-place update of pg_database all race that way, and every statement retried
 * here is idempotent, so trying again is the whole fix.
 */
export async function retryConcurrentCatalogUpdate<T>(
  work: () => Promise<T>,
  attempts = 8,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isConcurrentCatalogUpdate(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt + Math.random() * 25));
    }
  }
}

export function isConcurrentCatalogUpdate(error: unknown): boolean {
  return error instanceof Error && /tuple concurrently (updated|deleted)/.test(error.message);
}
