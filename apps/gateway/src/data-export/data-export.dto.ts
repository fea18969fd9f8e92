import { IsIn } from 'class-validator';

export const HISTORY_OPTIONS = ['today', '30d-daily', '3m-weekly', '6m-weekly'];

export class CompanyExportQueryDto {
  @IsIn(HISTORY_OPTIONS, { message: `history must be one of ${HISTORY_OPTIONS.join(', ')}` })
  history!: string;
}
