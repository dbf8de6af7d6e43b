import { IsColumnInteger } from '../../common/query/query-decorators';

/** Path of the `/clients/{id}/...` GDPR routes: a client id is a positive `integer`. */
export class ClientPathParams {
  @IsColumnInteger('integer', { min: 1 })
  id!: number;
}
