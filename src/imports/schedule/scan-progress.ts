/**
 * What one scan has learnt of each dataset's file so far: whether its rows are in. A child's
 * rows that reference a parent whose file did not load (it failed, is still being written, or
 * itself waits for its own parent) are refused as orphans for now, not for good.
 */
import type { DatasetName, DatasetSpec } from '../../catalog/dataset.types';

export class ScanProgress {
  private readonly unloaded = new Set<DatasetName>();

  notLoaded(dataset: DatasetName): void {
    this.unloaded.add(dataset);
  }

  /** True unless the dataset's file in this scan did not load (no file at all counts as loaded). */
  isLoaded(dataset: DatasetName): boolean {
    return !this.unloaded.has(dataset);
  }
}

/** The datasets a dataset's foreign keys reference, each once. */
export function parentsOf(spec: DatasetSpec): DatasetName[] {
  const parents = spec.columns.flatMap((c) => (c.references ? [c.references.dataset] : []));
  return [...new Set(parents)];
}
