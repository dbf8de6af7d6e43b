/**
 * Which dataset a file in the import directory holds, from its name alone: case, accents,
 * separators and `.csv` are ignored, and the seed system's mangled export names
 * (`D_tails_des_Transactions.csv`, `Cartes_de_Fid_lit_.csv`) are catalog aliases.
 */
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../catalog/dataset.types';
import { normaliseName } from '../engine/csv/header-mapping';

const byName = new Map<string, DatasetSpec>();
for (const spec of datasetCatalog.all()) {
  for (const alias of [spec.name, spec.table, ...spec.fileAliases])
    byName.set(normaliseName(alias), spec);
}

export function datasetForFile(fileName: string): DatasetSpec | undefined {
  if (!/\.csv$/i.test(fileName)) return undefined;
  return byName.get(normaliseName(fileName.replace(/\.csv$/i, '')));
}
