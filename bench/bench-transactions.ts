/**
 * The product's own transaction helper for the benchmarks: RoleScopedTransactions on the
 * app_user pool, exactly as the service builds it (DatabaseModule), so the bench switches role
 * and passes keys the way every request and import does, never with hand-written set_config.
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import { DatabaseModule } from '../src/database/database.module';
import { RoleScopedTransactions } from '../src/database/role-scoped-transactions';

export interface BenchTransactions {
  transactions: RoleScopedTransactions;
  close: () => Promise<void>;
}

export async function openBenchTransactions(config: AppConfig): Promise<BenchTransactions> {
  @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule] })
  class BenchTransactionsModule {}
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    BenchTransactionsModule,
    { logger: ['error', 'warn'] },
  );
  return { transactions: app.get(RoleScopedTransactions), close: () => app.close() };
}
