/**
 * The expected outcome of every file of the hostile corpus (test/fixtures/csv/generate-corpus.mjs
 * and the older not-ok/ fixtures), in the order the spec uploads them into one database.
 * Parents loaded first: clients 1-3, stores 1-2, products 1-3, transactions 1-2.
 */
import type { DatasetName } from '../../src/catalog/dataset.types';
import type { ImportCounts } from '../../src/imports/history/import-run';

export interface CorpusCase {
  /** Under test/fixtures/csv/not-ok/, or `large:` for a file generated at test time. */
  file: string;
  dataset: DatasetName;
  query?: string;
  status: 201 | 400 | 413;
  /** The refusal's message (4xx). */
  message?: string | RegExp;
  counts?: Partial<ImportCounts>;
  /** Every rejection as [line, column, reason]. */
  rejections?: [number, string, string][];
  /**
   * Values stored with the rejections, when they matter: a dataset with personal data keeps
   * none (undefined), whichever column the cell was read as.
   */
  values?: (string | undefined)[];
  /** The rejections' `valueShape` (length and character classes of the refused cell). */
  shapes?: (string | undefined)[];
  warnings?: string[];
}

const OOR_INT = 'out of range (integers go from -2147483648 to 2147483647)';
const BAD_DATE = 'not a valid date (expected YYYY-MM-DD or dd/mm/yyyy)';
const BAD_TS = 'not a valid timestamp (expected YYYY-MM-DD hh:mm[:ss] or dd/mm/yyyy hh:mm[:ss])';
const ZONE = 'not a valid timestamp: time zones are not accepted (local time expected)';
const INVISIBLE = 'not an e-mail address: it holds an invisible or control character';
const NOT_AMOUNT = 'not an amount (expected e.g. 12.50)';
const BAD_BYTES = "holds bytes that are not valid in the file's character set (invalid UTF-8?)";
const CLIENT_COLUMNS =
  'client_id, nom, prenom, email, date_naissance, sexe, ville, date_inscription';

/** The well-formed files imported first, so that the corpus's rows have their parents. */
export const CORPUS_PARENTS = [
  ['ok/clients.csv', 'clients'],
  ['ok/magasins_quoted.csv', 'magasins'],
  ['ok/produits_point_virgule.csv', 'produits'],
  ['ok/transactions.csv', 'transactions'],
] as const;

export const CORPUS: CorpusCase[] = [
  // Structure of the file
  {
    file: 'clients_unterminated_quote.csv',
    dataset: 'clients',
    status: 400,
    message:
      'unterminated quote: the quoted field opened on line 4 never closes; nothing was imported',
  },
  {
    file: 'magasins_quote_in_unquoted_field.csv',
    dataset: 'magasins',
    status: 201,
    counts: { rowsRead: 2, inserted: 2 },
  },
  {
    file: 'clients_mixed_delimiters.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 3, inserted: 2, rejected: 1 },
    rejections: [[3, 'nom', '8 fields expected, 1 found']],
  },
  {
    file: 'clients_tab_delimited.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 2, inserted: 2 },
  },
  {
    file: 'clients_trailing_empty_columns.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 3, inserted: 3 },
  },
  {
    file: 'clients_short_and_long_rows.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 3, inserted: 1, rejected: 2 },
    rejections: [
      [3, 'date_inscription', '8 fields expected, 7 found'],
      [4, 'field 9 (after date_inscription)', '8 fields expected, 10 found'],
    ],
  },
  {
    file: 'large:clients_10mb_line.csv',
    dataset: 'clients',
    status: 400,
    message:
      'line 3: a record longer than 1048576 characters starts here (an unterminated quote, or not a CSV file); nothing was imported',
  },
  {
    file: 'large:clients_10000_columns.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 2, inserted: 2 },
    warnings: [
      `unknown column(s) ignored at position(s) ${Array.from({ length: 20 }, (_, i) => i + 9).join(', ')} and 9972 more (not named: the dataset holds personal data)`,
    ],
  },
  // Header
  {
    file: 'empty.csv',
    dataset: 'clients',
    status: 400,
    message: 'clients: the file is empty (no header line)',
  },
  {
    file: 'clients_blank_lines_only.csv',
    dataset: 'clients',
    status: 400,
    message: 'clients: the file is empty (no header line)',
  },
  {
    file: 'clients_header_only.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 0 },
    warnings: ['the file has a header line but no rows'],
  },
  {
    file: 'clients_no_header.csv',
    dataset: 'clients',
    status: 400,
    message: `clients: the first line is not a header: expected columns ${CLIENT_COLUMNS} (it names none of them; is the header line missing?)`,
  },
  {
    file: 'clients_duplicated_header.csv',
    dataset: 'clients',
    status: 400,
    message:
      'clients: the header names column nom twice (columns 2 and 5); ambiguous, nothing was imported',
  },
  {
    file: 'clients_missing_column.csv',
    dataset: 'clients',
    status: 400,
    message:
      'clients: missing required column(s): email; found: client_id, nom, prenom, date_naissance',
  },
  {
    file: 'produits_sent_as_clients.csv',
    dataset: 'clients',
    status: 400,
    message: `clients: this looks like a produits file (its header has the produits columns), not a clients file; expected columns ${CLIENT_COLUMNS}`,
  },
  // Bytes and character sets
  {
    file: 'clients_binary_png.csv',
    dataset: 'clients',
    status: 400,
    message: 'not a CSV text file: a PNG image; nothing was imported',
  },
  {
    file: 'clients_binary_xlsx.csv',
    dataset: 'clients',
    status: 400,
    message:
      'not a CSV text file: a ZIP archive (an .xlsx workbook is one: export it as CSV); nothing was imported',
  },
  {
    file: 'clients_random_bytes.csv',
    dataset: 'clients',
    status: 400,
    message: /^not a CSV text file: it holds binary data, not windows-1252 text/,
  },
  {
    file: 'clients_nul_bytes.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 3, inserted: 2, rejected: 1 },
    rejections: [[3, 'nom', 'holds a NUL byte']],
    values: [undefined],
    shapes: ['10 characters: digits, letters, control or invisible characters'],
  },
  {
    file: 'magasins_nul_byte.csv',
    dataset: 'magasins',
    status: 201,
    counts: { rowsRead: 2, inserted: 1, rejected: 1 },
    rejections: [[3, 'nom', 'holds a NUL byte']],
    values: ['Ma\u2400l'],
    shapes: ['4 characters: letters, control or invisible characters'],
  },
  {
    file: 'clients_invalid_utf8_mid.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 4, inserted: 3, rejected: 1 },
    rejections: [[4, 'prenom', BAD_BYTES]],
    values: [undefined],
  },
  {
    file: 'clients_utf16le_bom.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 2, inserted: 2 },
  },
  {
    file: 'clients_utf16be_bom.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 2, inserted: 2 },
  },
  {
    file: 'clients_utf16le_no_bom.csv',
    dataset: 'clients',
    status: 400,
    message:
      'not a CSV text file: it holds binary data, not windows-1252 text (UTF-16 without a byte order mark looks like this: name it with encoding=utf-16le); nothing was imported',
  },
  {
    file: 'clients_utf16le_no_bom.csv',
    dataset: 'clients',
    query: '?encoding=utf-16le',
    status: 201,
    counts: { rowsRead: 1, inserted: 1 },
  },
  {
    file: 'clients_invalid_utf8_late.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 2001, inserted: 2000, rejected: 1 },
    rejections: [[2002, 'nom', BAD_BYTES]],
  },
  // Values
  {
    file: 'clients_bad_values.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 9, inserted: 2, rejected: 7 },
    rejections: [
      [3, 'email', 'not an e-mail address'],
      [4, 'sexe', 'must be one of H, F, Autre'],
      [5, 'date_naissance', BAD_DATE],
      [6, 'nom', 'required value is missing'],
      [7, 'client_id', 'must be >= 1'],
      [8, 'client_id', 'not an integer'],
      [9, 'email', '8 fields expected, 3 found'],
    ],
  },
  {
    file: 'clients_impossible_dates.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 5, inserted: 1, rejected: 4 },
    rejections: [
      [3, 'date_naissance', BAD_DATE],
      [4, 'date_naissance', BAD_DATE],
      [5, 'date_inscription', BAD_DATE],
      [6, 'date_inscription', BAD_DATE],
    ],
    // date_inscription is not a personal column, but a shifted row would put personal text there.
    values: [undefined, undefined, undefined, undefined],
    shapes: Array(4).fill('10 characters: digits, punctuation'),
  },
  {
    file: 'clients_invisible_emails.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 5, inserted: 1, rejected: 4 },
    rejections: [
      [3, 'email', INVISIBLE],
      [4, 'email', INVISIBLE],
      [5, 'email', INVISIBLE],
      [6, 'email', 'not an e-mail address'],
    ],
  },
  {
    file: 'large:clients_100kb_names.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 2, inserted: 1, rejected: 1 },
    rejections: [[3, 'nom', 'longer than 1000 characters']],
    values: [undefined],
    shapes: ['51202 characters: letters, other letters'],
  },
  {
    file: 'clients_formula_values.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 3, inserted: 1, rejected: 2 },
    rejections: [
      [3, 'client_id', 'not an integer'],
      [4, 'client_id', 'not an integer'],
    ],
  },
  {
    file: 'clients_formula_injection.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 2, inserted: 1, rejected: 1 },
    rejections: [[3, 'client_id', 'not an integer']],
    values: [undefined],
    shapes: ['4 characters: digits, punctuation'],
  },
  {
    file: 'magasins_formula_injection.csv',
    dataset: 'magasins',
    status: 201,
    counts: { rowsRead: 4, inserted: 4 },
  },
  {
    file: 'magasins_sql_strings.csv',
    dataset: 'magasins',
    status: 201,
    counts: { rowsRead: 3, inserted: 3 },
  },
  {
    file: 'produits_beyond_int32_int64.csv',
    dataset: 'produits',
    status: 201,
    counts: { rowsRead: 4, inserted: 1, rejected: 3 },
    rejections: [
      [3, 'stock', OOR_INT],
      [4, 'produit_id', OOR_INT],
      [5, 'stock', OOR_INT],
    ],
  },
  {
    file: 'produits_40_digit_ids.csv',
    dataset: 'produits',
    status: 201,
    counts: { rowsRead: 1, rejected: 1 },
    rejections: [[2, 'produit_id', OOR_INT]],
  },
  {
    file: 'produits_negative_zero_prices_stock.csv',
    dataset: 'produits',
    status: 201,
    counts: { rowsRead: 4, inserted: 2, rejected: 2 },
    rejections: [
      [3, 'prix', 'must be >= 0'],
      [4, 'stock', 'must be >= 0'],
    ],
  },
  {
    file: 'produits_three_decimals_and_huge_amounts.csv',
    dataset: 'produits',
    status: 201,
    counts: { rowsRead: 3, inserted: 1, rejected: 2 },
    rejections: [
      [2, 'prix', 'at most 2 decimals'],
      [3, 'prix', 'out of range (amounts go up to 9999999999.99)'],
    ],
  },
  {
    file: 'produits_exponents.csv',
    dataset: 'produits',
    status: 201,
    counts: { rowsRead: 2, rejected: 2 },
    rejections: [
      [2, 'prix', NOT_AMOUNT],
      [3, 'stock', 'not an integer'],
    ],
  },
  {
    file: 'produits_nan_infinity.csv',
    dataset: 'produits',
    status: 201,
    counts: { rowsRead: 3, rejected: 3 },
    rejections: [
      [2, 'prix', NOT_AMOUNT],
      [3, 'prix', NOT_AMOUNT],
      [4, 'stock', 'not an integer'],
    ],
  },
  {
    file: 'produits_bad_amounts.csv',
    dataset: 'produits',
    status: 201,
    counts: { rowsRead: 5, updated: 1, rejected: 4 },
    rejections: [
      [3, 'prix', NOT_AMOUNT],
      [4, 'prix', 'must be >= 0'],
      [5, 'prix', 'at most 2 decimals'],
      [6, 'stock', 'must be >= 0'],
    ],
  },
  {
    file: 'cameras_timestamps_with_zones.csv',
    dataset: 'cameras',
    status: 201,
    counts: { rowsRead: 5, inserted: 1, rejected: 4 },
    rejections: [
      [3, 'date_heure', ZONE],
      [4, 'date_heure', ZONE],
      [5, 'date_heure', BAD_TS],
      [6, 'date_heure', BAD_TS],
    ],
  },
  // References and repeats
  {
    file: 'details_negative_zero_quantities.csv',
    dataset: 'details_transactions',
    status: 201,
    counts: { rowsRead: 5, inserted: 2, rejected: 3 },
    rejections: [
      [3, 'quantite', 'must be >= 1'],
      [4, 'quantite', 'must be >= 1'],
      [6, 'prix_unitaire', 'must be >= 0'],
    ],
  },
  {
    file: 'details_foreign_keys_to_nowhere.csv',
    dataset: 'details_transactions',
    status: 201,
    counts: { rowsRead: 3, inserted: 1, rejected: 2 },
    rejections: [
      [3, 'transaction_id', 'no transactions row with transaction_id = 99999'],
      [4, 'produit_id', 'no produits row with produit_id = 88888'],
    ],
  },
  {
    file: 'details_fk_miss.csv',
    dataset: 'details_transactions',
    status: 201,
    counts: { rowsRead: 4, inserted: 1, rejected: 3 },
    rejections: [
      [3, 'transaction_id', 'no transactions row with transaction_id = 999'],
      [4, 'produit_id', 'no produits row with produit_id = 888'],
      [5, 'quantite', 'must be >= 1'],
    ],
  },
  {
    file: 'cartes_fidelite_child_before_parent.csv',
    dataset: 'cartes_fidelite',
    status: 201,
    counts: { rowsRead: 2, rejected: 2 },
    rejections: [
      [2, 'client_id', 'no clients row with client_id = 3201'],
      [3, 'client_id', 'no clients row with client_id = 3202'],
    ],
  },
  {
    file: 'clients_duplicate_ids.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 4, inserted: 2, rejected: 2 },
    rejections: [
      [2, 'client_id', 'superseded by line 5 (same client_id)'],
      [4, 'client_id', 'superseded by line 5 (same client_id)'],
    ],
    warnings: ['client_id 3161 appears on lines 2, 4, 5: line 5 wins'],
  },
  // Shifted rows and headers: personal text outside the personal columns
  {
    file: 'clients_shifted_row.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 3, inserted: 1, rejected: 2 },
    rejections: [
      [3, 'date_inscription', BAD_DATE],
      [4, 'client_id', 'not an integer'],
    ],
    values: [undefined, undefined],
    shapes: ['22 characters: letters, @, punctuation', '10 characters: letters'],
  },
  {
    file: 'clients_shifted_header.csv',
    dataset: 'clients',
    status: 201,
    counts: { rowsRead: 3, inserted: 1, rejected: 2 },
    rejections: [
      [3, 'ignored column 9', '10 fields expected, 8 found'],
      [4, 'field 11 (after ignored column 10)', '10 fields expected, 11 found'],
    ],
    values: [undefined, undefined],
    shapes: [undefined, undefined],
    warnings: [
      'unknown column(s) ignored at position(s) 9, 10 (not named: the dataset holds personal data)',
    ],
  },
  {
    file: 'magasins_shifted_row.csv',
    dataset: 'magasins',
    status: 201,
    counts: { rowsRead: 2, inserted: 1, rejected: 1 },
    rejections: [[3, 'magasin_id', 'not an integer']],
    // A dataset without personal data keeps the refused cell: it helps the operator find it.
    values: ['Lyon Nord'],
    shapes: ['9 characters: letters, spaces'],
  },
  // Size
  {
    file: 'large:clients_oversized.csv',
    dataset: 'clients',
    status: 413,
    message:
      'the file is larger than the upload limit of 12582912 bytes (IMPORT_MAX_BYTES); nothing was imported',
  },
];
