import { QueryField } from '@exportd/filter';
import { COMPANY_FEATURE_COLUMNS, EXPORT_EVENT_TYPE } from '@exportd/records';
import { COMPANY_COLUMNS, EVENT_COLUMNS, FEEDBACK_COLUMNS, USER_COLUMNS } from './row-encoders';
import type { RowDataType } from './rows.repository';

export type FilterDataType = RowDataType | 'company_features';

const ATTRIBUTES = 'attributes.';

/** The columns a row filter may name for a data type (besides `attributes.<key>` where rows have attributes). */
export function filterColumns(dataType: FilterDataType): readonly string[] {
  switch (dataType) {
    case 'events':
      return EVENT_COLUMNS.filter((c) => c !== 'attributes');
    case 'feedback':
      return FEEDBACK_COLUMNS.filter((c) => c !== 'attributes');
    case 'users':
      return USER_COLUMNS.filter((c) => c !== 'attributes');
    case 'companies':
      return COMPANY_COLUMNS.filter((c) => c !== 'attributes');
    case 'company_features':
      return COMPANY_FEATURE_COLUMNS;
  }
}

/** Whether a filter may name this field for the data type: one of its columns, or `attributes.<key>`. */
export function isFilterField(dataType: FilterDataType, field: string): boolean {
  if (dataType !== 'company_features' && field.startsWith(ATTRIBUTES) && field.length > ATTRIBUTES.length) return true;
  return filterColumns(dataType).includes(field);
}

const CALL_TYPE_BY_EXPORT_TYPE: Record<string, string> = Object.fromEntries(
  Object.entries(EXPORT_EVENT_TYPE).map(([callType, exportType]) => [exportType, callType]),
);

/**
 * Columns a query can test on the stored documents with the filter's own semantics (scalar strings and
 * numbers). Attributes are stored as JSON text, timestamps as dates, id lists as arrays: those columns are
 * tested on the rows (see compileFilter).
 */
export const QUERY_FIELDS: Record<RowDataType, Readonly<Record<string, QueryField>>> = {
  events: {
    event_type: { path: 'type', type: 'string', values: CALL_TYPE_BY_EXPORT_TYPE },
    event_name: { path: 'event', type: 'string' },
    user_id: { path: 'userId', type: 'string' },
    company_id: { path: 'companyId', type: 'string' },
    day: { path: 'day', type: 'string' },
    message_id: { path: 'messageId', type: 'string' },
    feature_id: { path: 'featureId', type: 'string' },
    score: { path: 'score', type: 'number' },
    comment: { path: 'comment', type: 'string' },
    url: { path: 'url', type: 'string' },
    path: { path: 'path', type: 'string' },
    title: { path: 'title', type: 'string' },
    referrer: { path: 'referrer', type: 'string' },
  },
  feedback: {
    user_id: { path: 'userId', type: 'string' },
    company_id: { path: 'companyId', type: 'string' },
    feature_id: { path: 'featureId', type: 'string' },
    score: { path: 'score', type: 'number' },
    comment: { path: 'comment', type: 'string' },
    question: { path: 'question', type: 'string' },
    prompted_question: { path: 'promptedQuestion', type: 'string' },
    prompt_id: { path: 'promptId', type: 'string' },
    source: { path: 'source', type: 'string' },
    feedback_id: { path: 'feedbackId', type: 'string' },
    day: { path: 'day', type: 'string' },
    message_id: { path: 'messageId', type: 'string' },
  },
  users: { user_id: { path: 'userId', type: 'string' } },
  companies: { company_id: { path: 'companyId', type: 'string' } },
};

/** An exported row (JSON text) as the filter sees it: its columns, and `attributes.<key>` for each attribute. */
export function rowForFilter(json: string): Record<string, unknown> {
  const row = JSON.parse(json) as Record<string, unknown>;
  const attributes = row.attributes;
  if (attributes && typeof attributes === 'object' && !Array.isArray(attributes)) {
    for (const [key, value] of Object.entries(attributes)) row[`${ATTRIBUTES}${key}`] = value;
  }
  return row;
}
