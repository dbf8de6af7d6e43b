import { datasetCatalog } from '../catalog/dataset-catalog';
import { clientExportPlan, ExportBranch } from './client-export-plan';
import { ClientExportDto } from './dto/client-export.dto';

/** Where @nestjs/swagger lists a DTO's documented properties (its DECORATORS constant, not exported). */
const API_MODEL_PROPERTIES_ARRAY = 'swagger/apiModelPropertiesArray';

const shape = (branches: ExportBranch[]): unknown =>
  branches.map((b) => ({ [b.spec.name]: { via: b.foreignKey, children: shape(b.children) } }));

describe('client export plan', () => {
  it('follows the catalog foreign keys from clients: cards, transactions with their lines', () => {
    expect(shape(clientExportPlan(datasetCatalog).branches)).toEqual([
      { cartes_fidelite: { via: 'client_id', children: [] } },
      {
        transactions: {
          via: 'client_id',
          children: [{ details_transactions: { via: 'transaction_id', children: [] } }],
        },
      },
    ]);
  });

  it('is documented by ClientExportDto, one property per exported dataset', () => {
    const documented = (
      Reflect.getMetadata(API_MODEL_PROPERTIES_ARRAY, ClientExportDto.prototype) as string[]
    ).map((p) => p.replace(/^:/, ''));
    for (const branch of clientExportPlan(datasetCatalog).branches)
      expect(documented).toContain(branch.spec.name);
  });
});
