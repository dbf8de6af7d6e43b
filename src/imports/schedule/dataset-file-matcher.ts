/**
 * Which dataset a file in the import directory holds, from its name alone: case, accents,
 * separators and `.csv` are ignored, and the seed system's mangled export names
 * (`D_tails_des_Transactions.csv`, `Cartes_de_Fid_lit_.csv`) are catalog aliases.
 *
 * Files still being written are not a dataset's yet: writers put them in place by renaming a
 * `.part`/`.tmp` file or a dotfile (what rsync, curl and most copy tools do), so those names are
 * never matched. A name holding a control character (`Clients\n.csv`) is refused: it would match
 * once the separators are ignored, and then be shown raw in logs and the run history.
 */
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../catalog/dataset.types';
import { normaliseName } from '../engine/csv/header-mapping';

const byName = new Map<string, DatasetSpec>();
for (const spec of datasetCatalog.all()) {
  for (const alias of [spec.name, spec.table, ...spec.fileAliases])
    byName.set(normaliseName(alias), spec);
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point here
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** A file on its way into the directory: imported once it is renamed into place. */
export function isInProgressName(fileName: string): boolean {
  return fileName.startsWith('.') || /\.(part|tmp)$/i.test(fileName);
}

export function hasControlCharacter(fileName: string): boolean {
  return CONTROL_CHARACTER.test(fileName);
}

export function datasetForFile(fileName: string): DatasetSpec | undefined {
  if (isInProgressName(fileName) || hasControlCharacter(fileName)) return undefined;
  if (!/\.csv$/i.test(fileName)) return undefined;
  return byName.get(normaliseName(fileName.replace(/\.csv$/i, '')));
}
