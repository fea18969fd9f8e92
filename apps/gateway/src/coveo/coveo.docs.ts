import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiQuery } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-docs';

/** Coveo's `org`: accepted on every Coveo-compatible route; another app's id is a 404 `org_not_found`. */
export function CoveoOrgDocs(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiQuery({ name: 'org', required: false, description: "Coveo's organization: must be the API key's app id when given." }),
    ApiErrors({ status: 404, description: "`org_not_found` (an `org` other than the key's app), or the resource is not found." }),
  );
}

/** Coveo's DimensionResponseV15. */
export class CoveoDimensionDocs {
  @ApiProperty({ type: String, example: 'event_name', description: 'The API name.' }) returnName!: string;
  @ApiProperty({ type: String, example: 'Event Name' }) displayName!: string;
  @ApiProperty({ enum: ['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME'] }) type!: string;
  @ApiProperty({ type: [String], example: ['events'], description: 'The tables that have it.' }) tables!: string[];
  @ApiProperty({ type: [String], example: ['events'], description: "Coveo's name for `tables` (the same list)." })
  eventTypes!: string[];
  @ApiProperty({ type: [String], example: ['events.event_name'], description: '`<table>.<returnName>` for each table.' })
  apiNames!: string[];
  @ApiProperty({ type: Boolean, description: '`true` for `attributes.<key>` dimensions.' }) custom!: boolean;
  @ApiProperty({ enum: ['AVAILABLE'] }) status!: string;
}

/** Coveo's FilterModelV15 as answered (`id` is the named filter's name). */
export class CoveoReportingFilterDocs {
  @ApiProperty({ type: String, example: 'EXCLUDE_PAGEVIEW_BOTS', description: 'The name, `$ID` in export filters.' }) id!: string;
  @ApiProperty({ type: String, example: 'Exclude pageview bots' }) displayName!: string;
  @ApiProperty({ enum: ['reporting'] }) type!: string;
  @ApiProperty({ type: String, example: "event_name == 'Opened report'", description: "The platform's filter language." })
  value!: string;
}

export class CoveoReportingFilterListDocs {
  @ApiProperty({ type: [CoveoReportingFilterDocs] }) filters!: CoveoReportingFilterDocs[];
}

export class CoveoExportFiltersDocs {
  @ApiProperty({ type: String, required: false, description: 'The `f` filters, joined by AND.' }) f?: string;
  @ApiProperty({ type: String, required: false, description: 'The `fc` filters, joined by AND.' }) fc?: string;
}

/** A Coveo-compatible export (seed 004's body). */
export class CoveoExportDocs {
  @ApiProperty({ type: String }) id!: string;
  @ApiProperty({ type: String, description: "The API key's id." }) author!: string;
  @ApiProperty({ type: String, description: '`<base>/rest/ua/v15/exports/<id>?redirect=true`.' }) downloadLink!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Creation time, epoch ms.' }) startDate!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Epoch ms.' }) from!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The exclusive end, epoch ms.' }) to!: number | null;
  @ApiProperty({ type: CoveoExportFiltersDocs }) filters!: CoveoExportFiltersDocs;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String }) filename!: string;
  @ApiProperty({ type: 'integer', description: 'Bytes of the zip, 0 until built.' }) size!: number;
  @ApiProperty({ enum: ['PENDING', 'AVAILABLE', 'FAILED', 'EXPIRED'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: [String] }) tables!: string[];
  @ApiProperty({ type: Boolean }) downloadable!: boolean;
  @ApiProperty({ type: [String] }) dimensions!: string[];
  @ApiProperty({ type: Boolean, description: 'Always false.' }) replayable!: boolean;
  @ApiProperty({ type: Boolean }) usingDisplayNames!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'The Coveo export schedule whose run made it.' })
  scheduleId!: string | null;
}

export class CoveoExportListDocs {
  @ApiProperty({ type: [CoveoExportDocs], description: 'Newest first.' }) exports!: CoveoExportDocs[];
}

export class CoveoEstimateDocs {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Rows per table the export would hold now.',
    example: { events: 1200, users: 40 },
  })
  estimates!: Record<string, number>;
}

const REPEATABLE = (description: string) => ({
  required: false,
  description,
  schema: { type: 'array' as const, items: { type: 'string' as const } },
});

/** The query parameters of POST /rest/ua/v15/exports and GET .../estimate. */
export function CoveoExportQueryDocs(): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'from',
      required: true,
      description: 'The start, `YYYY-MM-DDThh:mm:ss.sssZ` (included).',
      example: '2024-06-10T00:00:00.000Z',
    }),
    ApiQuery({
      name: 'to',
      required: true,
      description: 'The end, `YYYY-MM-DDThh:mm:ss.sssZ` (excluded).',
      example: '2024-06-11T00:00:00.000Z',
    }),
    ApiQuery({ name: 'f', ...REPEATABLE('Filters on every table (filter language, `$NAME` named filters), joined by AND.') }),
    ApiQuery({ name: 'fc', ...REPEATABLE('Filters on events, joined by AND.') }),
    ApiQuery({
      name: 'tables',
      ...REPEATABLE('`events` (or `custom_events`), `users`, `companies`, `feedback`, `company_features`; none: all.'),
    }),
    ApiQuery({ name: 'dimensions', ...REPEATABLE('Return names of /rest/ua/v15/dimensions, in order; none: every column.') }),
    ApiQuery({ name: 'useDisplayNames', required: false, schema: { type: 'boolean', default: false } }),
    ApiQuery({ name: 'format', required: false, schema: { type: 'string', enum: ['EXCEL', 'NO_NEWLINE'], default: 'EXCEL' } }),
    ApiQuery({ name: 'filename', required: false, description: "The zip's name (`<filename>.zip`)." }),
    ApiQuery({ name: 'd', required: false, description: 'The description.' }),
    ApiQuery({ name: 'fs', ...REPEATABLE('Search filters: refused (this platform has no search data).') }),
  );
}
