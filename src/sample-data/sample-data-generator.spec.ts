import { datasetCatalog } from '../catalog/dataset-catalog';
import { DEFAULT_SAMPLE_SIZES, sampleRows, SampleSizes } from './sample-data-generator';

const sizes: SampleSizes = {
  ...DEFAULT_SAMPLE_SIZES,
  clients: 30,
  transactions: 40,
  details_transactions: 90,
};

describe('sample data generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = [...sampleRows('clients', sizes, 7)];
    expect([...sampleRows('clients', sizes, 7)]).toEqual(a);
    expect([...sampleRows('clients', sizes, 8)]).not.toEqual(a);
  });

  it('produces the requested number of rows with one value per catalog column', () => {
    for (const spec of datasetCatalog.all()) {
      const rows = [...sampleRows(spec.name, sizes, 1)];
      expect(rows).toHaveLength(sizes[spec.name]);
      for (const row of rows) expect(row).toHaveLength(spec.columns.length);
    }
  });

  it('only references ids that exist in the referenced dataset', () => {
    for (const spec of datasetCatalog.all()) {
      const rows = [...sampleRows(spec.name, sizes, 1)];
      spec.columns.forEach((column, index) => {
        if (!column.references) return;
        const max = sizes[column.references.dataset];
        for (const row of rows) expect(Number(row[index])).toBeGreaterThanOrEqual(1);
        for (const row of rows) expect(Number(row[index])).toBeLessThanOrEqual(max);
      });
    }
  });
});
