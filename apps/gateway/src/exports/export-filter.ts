import { analytics, exportsV1 } from '@exportd/contracts';
import type { ServiceClients } from '../grpc-clients/grpc-clients.module';
import type { CreateExportDto } from './create-export.dto';

const DATASETS: Record<string, analytics.DataType> = {
  events: analytics.DataType.DATA_TYPE_EVENTS,
  feedback: analytics.DataType.DATA_TYPE_FEEDBACK,
  users: analytics.DataType.DATA_TYPE_USERS,
  companies: analytics.DataType.DATA_TYPE_COMPANIES,
  company_features: analytics.DataType.DATA_TYPE_COMPANY_FEATURES,
};

/**
 * The job fields of an on-demand export's `filter` and `exclusions`. Aggregation (which owns filters)
 * checks the filter first: one that does not parse, names a column a data type lacks, or refers to an
 * unknown `$NAME` or a cycle is a 400 `invalid_filter` (its message names the position, the column or the name).
 */
export async function exportFilterFields(
  clients: ServiceClients,
  appId: string,
  body: Pick<CreateExportDto, 'dataTypes' | 'filter' | 'exclusions'>,
): Promise<Pick<exportsV1.ExportJob, 'filters' | 'exclusions'>> {
  const filters = body.filter === undefined ? [] : [body.filter];
  if (filters.length > 0) {
    await clients.namedFilters.validateRowFilter({
      appId,
      dataTypes: [...new Set(body.dataTypes)].map((type) => DATASETS[type] ?? analytics.DataType.DATA_TYPE_UNSPECIFIED),
      expressions: filters,
    });
  }
  return { filters, exclusions: body.exclusions ?? false };
}
