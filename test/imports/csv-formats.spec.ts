import { fixture, ImportHarness, countsAddUp } from '../support/import-harness';

describe('CSV formats the importer accepts', () => {
  let h: ImportHarness;
  beforeAll(async () => {
    h = await ImportHarness.start();
  });
  afterAll(() => h.stop());

  it('decodes a Windows-1252 file so French accents survive', async () => {
    const report = await h.report(fixture('ok/clients_windows1252.csv'), 'clients');
    expect(report.counts).toMatchObject({ rowsRead: 2, inserted: 2, rejected: 0 });
    const rows = await h.rows('clients');
    expect(rows.map((r) => [r.nom, r.ville])).toEqual([
      ['Béranger', 'Besançon'],
      ['Françoise', 'Besançon'],
    ]);
  });

  it('maps a shuffled, cased, accented header in a UTF-8 file with a BOM and CRLF line ends', async () => {
    const report = await h.report(fixture('ok/clients_bom_crlf.csv'), 'clients');
    expect(report.counts).toMatchObject({ rowsRead: 2, inserted: 2, rejected: 0 });
    const rows = (await h.rows('clients')).filter((r) => Number(r.client_id) >= 21);
    expect(rows).toEqual([
      expect.objectContaining({
        client_id: 21,
        nom: 'Thomas',
        prenom: 'Inès',
        email: 'ines.1@exemple.fr',
        date_naissance: '1965-12-26',
      }),
      expect.objectContaining({
        client_id: 22,
        email: 'jules.2@exemple.fr',
        ville: null,
        date_inscription: null,
      }),
    ]);
  });

  it('detects semicolons and reads French decimals in them', async () => {
    const report = await h.report(fixture('ok/produits_point_virgule.csv'), 'produits');
    expect(report.counts).toMatchObject({ rowsRead: 3, inserted: 3, rejected: 0 });
    expect((await h.rows('produits')).map((r) => [r.nom, r.prix, r.stock])).toEqual([
      ['Café moulu', 12.5, 10],
      ['Thé; vert', 3.05, 0],
      ['Sucre', 1, null],
    ]);
  });

  it('reads dd/mm/yyyy dates', async () => {
    const report = await h.report(fixture('ok/clients_dates_fr.csv'), 'clients');
    expect(report.counts).toMatchObject({ inserted: 1, rejected: 0 });
    const row = (await h.rows('clients')).find((r) => r.client_id === 31);
    expect(row).toMatchObject({ date_naissance: '1990-03-05', date_inscription: '2024-12-31' });
  });

  it('keeps quoted delimiters, doubled quotes and line breaks inside fields', async () => {
    const report = await h.report(fixture('ok/magasins_quoted.csv'), 'magasins');
    expect(report.counts).toMatchObject({ rowsRead: 2, inserted: 2, rejected: 0 });
    const [first] = await h.rows('magasins');
    expect(first).toMatchObject({
      nom: 'Le "Grand" Magasin',
      adresse: '12, rue de la Paix\r\nBâtiment B',
    });
  });

  it('reads ISO and French timestamps', async () => {
    await h.report(fixture('ok/magasins_quoted.csv'), 'magasins');
    const report = await h.report(fixture('ok/cameras_timestamps.csv'), 'cameras');
    expect(report.counts).toMatchObject({ rowsRead: 3, inserted: 3, rejected: 0 });
    expect((await h.rows('cameras')).map((r) => r.date_heure)).toEqual([
      '2025-01-07T18:00:00',
      '2025-01-07T18:30:00',
      '2025-01-08T09:15:00',
    ]);
  });

  it('ignores unknown extra columns with a warning placing them, not naming them, for a dataset with personal data', async () => {
    const report = await h.report(fixture('ok/clients_extra_column.csv'), 'clients');
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ inserted: 1 });
    expect(report.warnings).toEqual([
      'unknown column(s) ignored at position(s) 9, 10 (not named: the dataset holds personal data)',
    ]);
  });

  it('rejects the whole file when a required column is missing, listing missing and found columns', async () => {
    const { report, failure } = await h.importFile(
      fixture('not-ok/clients_missing_column.csv'),
      'clients',
    );
    expect(report.status).toBe('failed');
    expect(failure?.message).toBe(
      'clients: missing required column(s): email; found: client_id, nom, prenom, date_naissance',
    );
    expect(report.error).toBe(failure?.message);
    expect(countsAddUp(report)).toBe(true);
  });

  it('refuses an empty file', async () => {
    const { report, failure } = await h.importFile(fixture('not-ok/empty.csv'), 'clients');
    expect(report.status).toBe('failed');
    expect(failure?.message).toMatch(/the file is empty/);
  });

  it('rejects, by line, the rows of a UTF-8 file that hold invalid bytes, and loads the others as UTF-8', async () => {
    const { report, failure } = await h.importFile(
      fixture('not-ok/clients_invalid_utf8_late.csv'),
      'clients',
    );
    expect(failure).toBeUndefined();
    expect(report.counts).toMatchObject({ rowsRead: 2001, inserted: 2000, rejected: 1 });
    expect(report.rejections).toEqual([
      {
        line: 2002,
        column: 'nom',
        reason: "holds bytes that are not valid in the file's character set (invalid UTF-8?)",
        valueShape: '8 characters: letters, undecodable bytes',
      },
    ]);
    const rows = await h.rows('clients');
    expect(rows.find((r) => r.client_id === 100)).toMatchObject({
      nom: 'Lefèvre100',
      ville: 'Besançon',
    });
  });
});
