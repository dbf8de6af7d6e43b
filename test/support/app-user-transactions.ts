/**
 * The service's RoleScopedTransactions on a pool of its own (app_user, as the service logs in),
 * for specs that drive the data layer without booting the application.
 */
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../src/config/app-config';
import { urlForRole } from '../../src/database/connection-url';
import { RoleScopedTransactions } from '../../src/database/role-scoped-transactions';
import { TransactionInterrupter } from '../../src/database/transaction-interrupter';

export interface AppUserTransactions {
  transactions: RoleScopedTransactions;
  close(): Promise<void>;
}

export async function appUserTransactions(
  config: AppConfig,
  poolSize?: number,
): Promise<AppUserTransactions> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: urlForRole(config.databaseUrl, 'app_user', config.appDbPassword),
    ...(poolSize ? { extra: { max: poolSize } } : {}),
  });
  await dataSource.initialize();
  return {
    transactions: new RoleScopedTransactions(
      dataSource,
      config,
      new TransactionInterrupter(dataSource),
    ),
    close: () => dataSource.destroy(),
  };
}
