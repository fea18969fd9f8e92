import { analytics, exportsV1 } from '@exportd/contracts';
import type { ServiceClients } from '../grpc-clients/grpc-clients.module';
import type { CreateExportDto } from './create-export.dto';

const DATASETS: Record<string, analytics.Dataset> = {
  events: analytics.Dataset.DATASET_EVENTS,
  feedback: analytics.Dataset.DATASET_FEEDBACK,
  users: analytics.Dataset.DATASET_USERS,
  companies: analytics.Dataset.DATASET_COMPANIES,
  company_features: analytics.Dataset.DATASET_COMPANY_FEATURES,
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
      datasets: [...new Set(body.dataTypes)].map((type) => DATASETS[type] ?? analytics.Dataset.DATASET_UNSPECIFIED),
      expressions: filters,
    });
  }
  return { filters, exclusions: body.exclusions ?? false };
}
