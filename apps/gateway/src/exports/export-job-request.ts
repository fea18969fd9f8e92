import { exportsV1 } from '@exportd/contracts';

/** A complete ExportJob message for a create request (ts-proto encodes every field, so none may be missing). */
export function exportJobRequest(fields: Partial<exportsV1.ExportJob>): exportsV1.ExportJob {
  return {
    id: '',
    appId: '',
    status: '',
    datasets: [],
    format: '',
    fromDay: '',
    toDay: '',
    eventTypes: [],
    userIds: [],
    companyIds: [],
    segmentId: '',
    exclusions: false,
    emails: [],
    filters: [],
    allChunks: [],
    completedChunks: [],
    currentChunk: '',
    files: [],
    error: '',
    api: '',
    manifestUrl: '',
    history: '',
    ...fields,
  };
}
