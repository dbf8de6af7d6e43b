import { IsString } from 'class-validator';
import { IsColumnInteger } from '../../common/query/query-decorators';

/** Path of `GET /datasets/{dataset}/records/{id}`; the dataset is resolved (or 404) by the catalog. */
export class RecordPathParams {
  @IsString()
  dataset!: string;

  /** Every primary key of the catalog is a positive `integer`. */
  @IsColumnInteger('integer', { min: 1 })
  id!: number;
}
