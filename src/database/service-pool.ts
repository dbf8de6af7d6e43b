import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The pg pool behind TypeORM's PostgreSQL driver (`master`), for readers of its counts
 * (metrics, readiness); undefined before the DataSource is initialised.
 */
export const servicePool = (dataSource: DataSource): Pool | undefined =>
  (dataSource.driver as unknown as { master?: Pool }).master;
