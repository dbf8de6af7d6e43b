/** Builds client rows for tests; accents and apostrophes on purpose, as in real French data. */
export interface ClientRow {
  client_id: number;
  nom: string;
  prenom: string;
  email: string;
  date_naissance: string | null;
  sexe: string | null;
  ville: string | null;
  date_inscription: string | null;
}

export function aClient(overrides: Partial<ClientRow> = {}): ClientRow {
  const id = overrides.client_id ?? 1;
  return {
    client_id: id,
    nom: `Lefèvre-${id}`,
    prenom: `Éloïse`,
    email: `eloise.lefevre${id}@exemple.fr`,
    date_naissance: '1987-03-14',
    sexe: 'F',
    ville: "Saint-Étienne-d'Ô",
    date_inscription: '2024-02-29',
    ...overrides,
  };
}

export const CLIENT_INSERT = `
  INSERT INTO clients (client_id, nom, prenom, email, date_naissance, sexe, ville, date_inscription)
  VALUES ($1, convert_to($2, 'UTF8'), convert_to($3, 'UTF8'), convert_to($4, 'UTF8'),
          convert_to($5, 'UTF8'), convert_to($6, 'UTF8'), convert_to($7, 'UTF8'), $8)`;

export const clientParams = (c: ClientRow): unknown[] => [
  c.client_id,
  c.nom,
  c.prenom,
  c.email,
  c.date_naissance,
  c.sexe,
  c.ville,
  c.date_inscription,
];

export const PERSONAL_CLIENT_COLUMNS = [
  'nom',
  'prenom',
  'email',
  'date_naissance',
  'sexe',
  'ville',
] as const;

/** The rows as a clients CSV file (header first), plus raw lines for rows that must be bad. */
export function clientsCsv(rows: ClientRow[], rawLines: string[] = []): string {
  const columns = Object.keys(aClient()) as (keyof ClientRow)[];
  const lines = rows.map((row) => columns.map((c) => row[c] ?? '').join(','));
  return [columns.join(','), ...lines, ...rawLines].join('\n') + '\n';
}
