/**
 * The access and portability export (GDPR Art. 15 and 20): one JSON document with everything
 * held about a client, streamed.
 *
 * Two transactions, in this order: the first checks the client exists and writes the audit entry
 * and commits; only then does the second read and stream the data. A document therefore never
 * leaves without its audit entry, even if the stream fails half-way (the entry then records an
 * export that was attempted, the safe side). The second is READ ONLY and reads every part through
 * cursors in one transaction, so memory stays bounded by a page of rows.
 */
import { Injectable } from '@nestjs/common';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { AuditRepository } from '../audit/audit.repository';
import type { Caller } from '../auth/caller';
import { notFound } from '../common/domain-error';
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

@Injectable()
export class ClientExportService {
  constructor(
    private readonly transactions: RoleScopedTransactions,
    private readonly exports: ClientExportRepository,
    private readonly audit: AuditRepository,
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
    this.transactions
      .run({ role: caller.role, readOnly: true, claims: caller.claims, keys: 'encryption' }, (c) =>
        this.write(content, this.document(c, caller, clientId)),
      )
      .then(
        () => content.end(),
        (error: Error) => content.destroy(error),
      );
    return { fileName: `client-${clientId}-export.json`, content };
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
