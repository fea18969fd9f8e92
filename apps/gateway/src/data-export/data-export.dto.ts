import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';

export const HISTORY_OPTIONS = ['today', '30d-daily', '3m-weekly', '6m-weekly'];

export class CompanyExportQueryDto {
  @ApiProperty({
    enum: HISTORY_OPTIONS,
    description: 'today, 30 daily rows, or full Monday-Sunday weeks of 3 or 6 months (dated by their Sunday).',
  })
  @IsIn(HISTORY_OPTIONS, { message: `history must be one of ${HISTORY_OPTIONS.join(', ')}` })
  history!: string;
}
