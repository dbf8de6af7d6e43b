import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countsAddUp, fixture, ImportHarness } from '../support/import-harness';

const CLIENTS = 'client_id,nom,prenom,email,date_naissance,sexe,ville,date_inscription';
const dir = mkdtempSync(join(tmpdir(), 'import-semantics-'));
const csv = (name: string, ...rows: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, [CLIENTS, ...rows].join('\n') + '\n');
  return path;
};

describe('import semantics', () => {
  let h: ImportHarness;
  beforeAll(async () => {
    h = await ImportHarness.start();
  });
  afterAll(() => h.stop());

  const ciphertexts = () =>
    h.query<{ client_id: number; nom: Buffer; email: Buffer; ville: Buffer }>(
      'SELECT client_id, nom, email, ville FROM clients ORDER BY client_id',
    );

  describe('upsert by primary key', () => {
    it('changes nothing when the same file is imported again', async () => {
      const first = await h.report(fixture('ok/clients.csv'), 'clients');
      expect(first.counts).toEqual({
        rowsRead: 3,
        inserted: 3,
        updated: 0,
        unchanged: 0,
        rejected: 0,
      });
      const before = await ciphertexts();
      const again = await h.report(fixture('ok/clients.csv'), 'clients');
      expect(again.counts).toEqual({
        rowsRead: 3,
        inserted: 0,
        updated: 0,
        unchanged: 3,
        rejected: 0,
      });
      expect(await ciphertexts()).toEqual(before);
    });

    it('updates exactly the edited rows, re-encrypting their personal data once and leaving the others untouched', async () => {
      const before = await ciphertexts();
      const edited = csv(
        'edited.csv',
        '1,Lefèvre1,Zoé,zoe.lefevre.1@exemple.fr,1980-02-29,F,Besançon,2024-01-15',
        '2,Lefèvre2,Zoé,zoe.new.2@exemple.fr,1980-02-29,F,Dijon,2024-01-15',
        '3,Lefèvre3,Zoé,zoe.lefevre.3@exemple.fr,1980-02-29,F,Besançon,2025-06-01',
      );
      const report = await h.report(edited, 'clients');
      expect(report.counts).toEqual({
        rowsRead: 3,
        inserted: 0,
        updated: 2,
        unchanged: 1,
        rejected: 0,
      });
      const after = await ciphertexts();
      expect(after[0]).toEqual(before[0]);
      expect(after[1].email.equals(before[1].email)).toBe(false);
      expect(after[2].nom.equals(before[2].nom)).toBe(true);
      const rows = await h.rows('clients');
      expect(rows[1]).toMatchObject({ email: 'zoe.new.2@exemple.fr', ville: 'Dijon' });
      expect(rows[2]).toMatchObject({ nom: 'Lefèvre3', date_inscription: '2025-06-01' });
      const [{ n }] = await h.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM clients WHERE client_id = 2 AND email_hash IS NOT NULL`,
      );
      expect(n).toBe(1);
    });
  });

  describe('bad rows', () => {
    it('rejects each bad row with its line, column and reason, loads the good ones and keeps only the shape of refused cells', async () => {
      const report = await h.report(fixture('not-ok/clients_bad_values.csv'), 'clients');
      expect(report.status).toBe('succeeded');
      expect(report.counts).toEqual({
        rowsRead: 9,
        inserted: 2,
        updated: 0,
        unchanged: 0,
        rejected: 7,
      });
      expect(report.rejections).toEqual([
        {
          line: 3,
          column: 'email',
          reason: 'not an e-mail address',
          valueShape: '12 characters: letters, punctuation',
        },
        {
          line: 4,
          column: 'sexe',
          reason: 'must be one of H, F, Autre',
          valueShape: '1 character: letters',
        },
        {
          line: 5,
          column: 'date_naissance',
          reason: 'not a valid date (expected YYYY-MM-DD or dd/mm/yyyy)',
          valueShape: '10 characters: digits, punctuation',
        },
        { line: 6, column: 'nom', reason: 'required value is missing', valueShape: 'empty' },
        // Not personal columns, but a row shifted by one column would put personal text there.
        { line: 7, column: 'client_id', reason: 'must be >= 1', valueShape: '1 character: digits' },
        {
          line: 8,
          column: 'client_id',
          reason: 'not an integer',
          valueShape: '3 characters: letters',
        },
        { line: 9, column: 'email', reason: '8 fields expected, 3 found' },
      ]);
      const stored = await h.query<{ value: string | null }>(
        `SELECT value FROM import_rejections WHERE run_id = $1`,
        [report.id],
      );
      expect(stored.map((r) => r.value)).toEqual(Array(7).fill(null));
    });

    it('rejects bad amounts and negative numbers', async () => {
      const report = await h.report(fixture('not-ok/produits_bad_amounts.csv'), 'produits');
      expect(report.counts).toMatchObject({ rowsRead: 5, inserted: 1, rejected: 4 });
      expect(report.rejections.map((r) => [r.line, r.column])).toEqual([
        [3, 'prix'],
        [4, 'prix'],
        [5, 'prix'],
        [6, 'stock'],
      ]);
    });

    it('rejects rows whose foreign key points nowhere, without failing the file', async () => {
      await h.report(fixture('ok/magasins_quoted.csv'), 'magasins');
      await h.report(fixture('ok/produits_point_virgule.csv'), 'produits');
      const t = join(dir, 'transactions.csv');
      writeFileSync(
        t,
        'transaction_id,client_id,magasin_id,date_achat,montant_total,mode_paiement\n1,1,1,2025-01-02,10.00,CB\n',
      );
      expect((await h.report(t, 'transactions')).counts.inserted).toBe(1);
      const report = await h.report(fixture('not-ok/details_fk_miss.csv'), 'details_transactions');
      expect(report.status).toBe('succeeded');
      expect(report.counts).toEqual({
        rowsRead: 4,
        inserted: 1,
        updated: 0,
        unchanged: 0,
        rejected: 3,
      });
      expect(report.rejections).toEqual([
        {
          line: 3,
          column: 'transaction_id',
          reason: 'no transactions row with transaction_id = 999',
          value: '999',
        },
        {
          line: 4,
          column: 'produit_id',
          reason: 'no produits row with produit_id = 888',
          value: '888',
        },
        {
          line: 5,
          column: 'quantite',
          reason: 'must be >= 1',
          value: '0',
          valueShape: '1 character: digits',
        },
      ]);
    });

    it('in atomic mode loads nothing from a file with a bad row, and says how many were bad', async () => {
      const before = await h.rows('clients');
      const { report, failure } = await h.importFile(
        fixture('not-ok/clients_bad_values.csv'),
        'clients',
        'atomic',
      );
      expect(report.status).toBe('failed');
      expect(failure?.message).toBe('atomic import refused: 7 invalid row(s); nothing was loaded');
      expect(countsAddUp(report)).toBe(true);
      expect(report.rejections).toHaveLength(7);
      expect(await h.rows('clients')).toEqual(before);
    });

    it('in atomic mode loads a clean file', async () => {
      const report = await h.report(csv('atomic-ok.csv', '90,A,B,a@b.fr,,,,'), 'clients', 'atomic');
      expect(report).toMatchObject({ status: 'succeeded', mode: 'atomic' });
      expect(report.counts.inserted).toBe(1);
    });
  });

  it('lets the later of two rows with the same id win, with a warning naming both lines', async () => {
    const report = await h.report(fixture('ok/clients_duplicates.csv'), 'clients');
    expect(report.warnings).toEqual(['client_id 51 appears on lines 2, 4: line 4 wins']);
    expect(report.counts).toEqual({
      rowsRead: 3,
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: 1,
    });
    expect(report.rejections).toEqual([
      { line: 2, column: 'client_id', reason: 'superseded by line 4 (same client_id)' },
    ]);
    expect((await h.rows('clients')).find((r) => r.client_id === 51)).toMatchObject({
      ville: 'Nantes',
    });
  });

  it('records every run with counts that add up', async () => {
    const runs = await h.query<Record<string, number>>(
      `SELECT rows_read::int, inserted::int, updated::int, unchanged::int, rejected::int FROM import_runs WHERE status <> 'running'`,
    );
    expect(runs.length).toBeGreaterThan(5);
    for (const r of runs)
      expect(r.rows_read).toBe(r.inserted + r.updated + r.unchanged + r.rejected);
  });
});
