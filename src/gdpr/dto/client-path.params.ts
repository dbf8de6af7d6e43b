import { IsColumnInteger } from '../../common/query/query-decorators';

/** Path of the `/clients/{id}` routes: a client_id is a positive `integer`. */
export class ClientPathParams {
  @IsColumnInteger('integer', { min: 1 })
  id!: number;
}
