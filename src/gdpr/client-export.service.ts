/**
 * The access and portability export (GDPR Art. 15 and 20): one JSON document with everything
 * held about a client, streamed.
 *
 * Two transactions, in this order: the first checks the client exists and writes the audit entry
 * and commits; only then does the second read and stream the data. A document therefore never
 * leaves without its audit entry, even if the stream fails half-way (the entry then records an
 * export that was attempted, the safe side). The second is READ ONLY and reads every part through
 * cursors in one transaction, so memory stays bounded by a page of rows. The answer waits for
 * the client's own row, the only part with personal values: a value of it that does not open is
 * a clean 500 (the log names the column), not a cut stream.
 */
import { Injectable, Logger } from '@nestjs/common';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { AuditRepository } from '../audit/audit.repository';
import type { Caller } from '../auth/caller';
import { notFound } from '../common/domain-error';
import { recordVisibility } from '../catalog/record-visibility';
import { IntegrityFailureReporter } from '../database/integrity-failure-reporter';
import { RoleScopedTransactions } from '../database/role-scoped-transactions';
import { ClientExportRepository } from './client-export.repository';
import { CLIENT_EXPORT_FORMAT, CLIENT_EXPORT_VERSION } from './dto/client-export.dto';

export interface ClientExport {
  fileName: string;
  content: Readable;
}

/** Waits until `out` takes more, or fails when the reader went away (client disconnected). */
async function drained(out: PassThrough): Promise<void> {
  const closed = once(out, 'close').then(() => {
    throw new Error('export stream closed by the reader');
  });
  await Promise.race([once(out, 'drain'), closed]);
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

@Injectable()
export class ClientExportService {
  private readonly logger = new Logger('ClientExportService');

  constructor(
    private readonly transactions: RoleScopedTransactions,
    private readonly exports: ClientExportRepository,
    private readonly audit: AuditRepository,
    private readonly integrity: IntegrityFailureReporter,
  ) {}

  async export(caller: Caller, clientId: number): Promise<ClientExport> {
    await this.transactions.run(
      { role: caller.role, claims: caller.claims, keys: 'encryption' },
      async (client) => {
        if (!(await this.exports.exists(client, clientId)))
          throw notFound(`client ${clientId} does not exist or was erased`);
        await this.audit.recordPersonalRead(client, 'clients', [clientId], caller);
      },
    );
    const content = new PassThrough();
    let started = false;
    await new Promise<void>((answer, fail) => {
      this.transactions
        .run(
          { role: caller.role, readOnly: true, claims: caller.claims, keys: 'encryption' },
          async (c) => {
            const chunks = this.document(c, caller, clientId);
            const first = await chunks.next();
            started = true;
            answer();
            if (!first.done) content.write(first.value);
            await this.write(content, chunks);
          },
        )
        .then(
          () => content.end(),
          async (error: Error) => {
            if (!started) return fail(asError(await this.explain(error, caller, clientId)));
            // A reader that left is not a failure worth a log line.
            if (!content.destroyed)
              this.logger.error(
                `[${caller.requestId}] the export of client ${clientId} was cut: ${error.message}`,
              );
            content.destroy(error);
          },
        );
    });
    return { fileName: `client-${clientId}-export.json`, content };
  }

  private explain(error: Error, caller: Caller, clientId: number): Promise<unknown> {
    const spec = this.exports.plan.subject;
    return this.integrity.explain(error, {
      source: {
        spec,
        view: recordVisibility.viewFor(spec, 'admin')!,
        columns: recordVisibility.visibleColumns(spec, 'admin'),
      },
      role: caller.role,
      keys: 'encryption',
      requestId: caller.requestId,
      rowKeys: () => Promise.resolve([clientId]),
    });
  }

  private async write(out: PassThrough, chunks: AsyncGenerator<string>): Promise<void> {
    for await (const chunk of chunks) {
      if (out.destroyed) throw new Error('export stream closed by the reader');
      if (!out.write(chunk)) await drained(out);
    }
  }

  /** The document as text chunks, in ClientExportDto's property order. */
  private async *document(
    client: Parameters<ClientExportRepository['subject']>[0],
    caller: Caller,
    clientId: number,
  ): AsyncGenerator<string> {
    const subject = await this.exports.subject(client, clientId);
    if (subject === undefined) throw new Error(`client ${clientId} vanished during its export`);
    yield (
      `{"format":${JSON.stringify(CLIENT_EXPORT_FORMAT)},"version":${CLIENT_EXPORT_VERSION}` +
      `,"clientId":${clientId},"exportedAt":${JSON.stringify(new Date().toISOString())}` +
      `,"requestId":${JSON.stringify(caller.requestId)},"client":${subject}`
    );
    for (const branch of this.exports.plan.branches) {
      yield* this.array(branch.spec.name, this.exports.branchRows(client, branch, clientId));
    }
    yield* this.array('auditEntries', this.exports.auditEntries(client, clientId));
    yield '}';
  }

  private async *array(name: string, rows: AsyncGenerator<string>): AsyncGenerator<string> {
    yield `,${JSON.stringify(name)}:[`;
    let first = true;
    for await (const row of rows) {
      yield first ? row : `,${row}`;
      first = false;
    }
    yield ']';
  }
}
