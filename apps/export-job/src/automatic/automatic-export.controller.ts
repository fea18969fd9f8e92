import { Controller } from '@nestjs/common';
import { schedulesV1 } from '@exportd/contracts';
import { destinationInputFromProto } from '../destinations';
import { cadenceFromProto, scheduleStatusToProto, sealedDestinationToProto, cadenceToProto } from '../scheduler/schedule.mapper';
import { AutomaticExportService, AutomaticExportView } from './automatic-export.service';

/** exports.v1.AutomaticExportsService: proto <-> domain, nothing else. */
@Controller()
@schedulesV1.AutomaticExportsServiceControllerMethods()
export class AutomaticExportController implements schedulesV1.AutomaticExportsServiceController {
  constructor(private readonly automatic: AutomaticExportService) {}

  async getAutomaticExport(request: schedulesV1.GetAutomaticExportRequest): Promise<schedulesV1.GetAutomaticExportResponse> {
    return { automaticExport: toProto(await this.automatic.get(request.appId)) };
  }

  async putAutomaticExport(request: schedulesV1.PutAutomaticExportRequest): Promise<schedulesV1.PutAutomaticExportResponse> {
    const view = await this.automatic.put(request.appId, {
      enabled: request.enabled,
      cadence: cadenceFromProto(request.cadence),
      destination: request.destination ? destinationInputFromProto(request.destination) : undefined,
    });
    return { automaticExport: toProto(view) };
  }

  async runAutomaticExport(request: schedulesV1.RunAutomaticExportRequest): Promise<schedulesV1.RunAutomaticExportResponse> {
    const period = await this.automatic.runNow(request.appId);
    return { fromDay: period.fromDay, toDay: period.toDay };
  }
}

function toProto(view: AutomaticExportView): schedulesV1.AutomaticExport {
  return {
    enabled: view.enabled,
    cadence: cadenceToProto(view.cadence),
    destination: view.destination ? sealedDestinationToProto(view.destination) : undefined,
    status: scheduleStatusToProto(view.status),
  };
}
