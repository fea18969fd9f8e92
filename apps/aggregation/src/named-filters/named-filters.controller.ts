import { Controller } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { DataTypeNotAvailable } from '../rows/rows.errors';
import { FilterDataType } from '../rows/row-filter';
import { NamedFilterRecord } from './named-filter.repository';
import { NamedFiltersService } from './named-filters.service';

const DATA_TYPES: Partial<Record<analytics.DataType, FilterDataType>> = {
  [analytics.DataType.DATA_TYPE_EVENTS]: 'events',
  [analytics.DataType.DATA_TYPE_FEEDBACK]: 'feedback',
  [analytics.DataType.DATA_TYPE_USERS]: 'users',
  [analytics.DataType.DATA_TYPE_COMPANIES]: 'companies',
  [analytics.DataType.DATA_TYPE_COMPANY_FEATURES]: 'company_features',
};

/** analytics.v1.NamedFiltersService: proto <-> domain, nothing else. */
@Controller()
@analytics.NamedFiltersServiceControllerMethods()
export class NamedFiltersController implements analytics.NamedFiltersServiceController {
  constructor(private readonly filters: NamedFiltersService) {}

  async createNamedFilter(request: analytics.CreateNamedFilterRequest): Promise<analytics.NamedFilterResponse> {
    const filter = request.filter;
    return {
      filter: toProto(
        await this.filters.create(request.appId, {
          name: filter?.name ?? '',
          displayName: filter?.displayName ?? '',
          filter: filter?.filter ?? '',
        }),
      ),
    };
  }

  async getNamedFilter(request: analytics.GetNamedFilterRequest): Promise<analytics.NamedFilterResponse> {
    return { filter: toProto(await this.filters.get(request.appId, request.name)) };
  }

  async listNamedFilters(request: analytics.ListNamedFiltersRequest): Promise<analytics.ListNamedFiltersResponse> {
    return { filters: (await this.filters.list(request.appId)).map(toProto) };
  }

  async updateNamedFilter(request: analytics.UpdateNamedFilterRequest): Promise<analytics.NamedFilterResponse> {
    const filter = request.filter;
    return {
      filter: toProto(
        await this.filters.update(request.appId, filter?.name ?? '', {
          displayName: filter?.displayName ?? '',
          filter: filter?.filter ?? '',
        }),
      ),
    };
  }

  async deleteNamedFilter(request: analytics.DeleteNamedFilterRequest): Promise<analytics.DeleteResponse> {
    await this.filters.delete(request.appId, request.name);
    return {};
  }

  async validateRowFilter(request: analytics.ValidateRowFilterRequest): Promise<analytics.ValidateRowFilterResponse> {
    const dataTypes = request.dataTypes.map((dataType) => {
      const name = DATA_TYPES[dataType];
      if (!name) throw new DataTypeNotAvailable(String(dataType));
      return name;
    });
    await this.filters.rowFilter(request.appId, dataTypes, request.expressions);
    return {};
  }
}

function toProto(record: NamedFilterRecord): analytics.NamedFilter {
  return {
    name: record.name,
    displayName: record.displayName,
    filter: record.filter,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
