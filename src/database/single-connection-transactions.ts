/**
 * RoleScopedTransactions on one app_user connection of its own, for the steps that run outside
 * the service's pool: the start-up key check, `npm run keys:rotate`, the rotation benchmark.
 * The same role switching and per-transaction keys as every request, and the same query-error
 * logging (no bound values).
 */
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { urlForRole } from './connection-url';
import { QueryErrorLogger } from './query-error-logger';
import { RoleScopedTransactions } from './role-scoped-transactions';
import { sslOptions } from './ssl-options';
import { TransactionInterrupter } from './transaction-interrupter';

export interface SingleConnectionTransactions {
  transactions: RoleScopedTransactions;
  close: () => Promise<void>;
}

export async function openSingleConnectionTransactions(
  config: AppConfig,
  applicationName: string,
): Promise<SingleConnectionTransactions> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url: urlForRole(config.databaseUrl, 'app_user', config.appDbPassword),
    ssl: sslOptions(config.dbSsl),
    extra: { max: 1, application_name: applicationName },
    logger: new QueryErrorLogger(),
  }).initialize();
  return {
    transactions: new RoleScopedTransactions(
      dataSource,
      config,
      new TransactionInterrupter(dataSource),
    ),
    close: () => dataSource.destroy(),
  };
}
