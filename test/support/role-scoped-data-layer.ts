/** The service's data layer (app_user pool + RoleScopedTransactions) on a test database. */
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import { urlForRole } from '../../src/database/connection-url';
import { RoleScopedTransactions } from '../../src/database/role-scoped-transactions';
import { TransactionInterrupter } from '../../src/database/transaction-interrupter';

export async function roleScopedTransactions(
  config: AppConfig,
): Promise<{ transactions: RoleScopedTransactions; close: () => Promise<void> }> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: urlForRole(config.databaseUrl, 'app_user', config.appDbPassword),
    extra: { max: 2 },
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
