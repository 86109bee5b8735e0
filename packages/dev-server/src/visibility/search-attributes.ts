import { decodePayloadValue, enums, IPayload, ISearchAttributes } from '../internal/proto';

const T = enums.IndexedValueType;

/** System search attributes the server indexes itself, with their types. */
export const SYSTEM_SEARCH_ATTRIBUTES: Record<string, number> = {
  WorkflowId: T.INDEXED_VALUE_TYPE_KEYWORD,
  RunId: T.INDEXED_VALUE_TYPE_KEYWORD,
  WorkflowType: T.INDEXED_VALUE_TYPE_KEYWORD,
  ExecutionStatus: T.INDEXED_VALUE_TYPE_KEYWORD,
  TaskQueue: T.INDEXED_VALUE_TYPE_KEYWORD,
  StartTime: T.INDEXED_VALUE_TYPE_DATETIME,
  ExecutionTime: T.INDEXED_VALUE_TYPE_DATETIME,
  CloseTime: T.INDEXED_VALUE_TYPE_DATETIME,
  HistoryLength: T.INDEXED_VALUE_TYPE_INT,
  HistorySizeBytes: T.INDEXED_VALUE_TYPE_INT,
  ExecutionDuration: T.INDEXED_VALUE_TYPE_INT,
  StateTransitionCount: T.INDEXED_VALUE_TYPE_INT,
  ParentWorkflowId: T.INDEXED_VALUE_TYPE_KEYWORD,
  ParentRunId: T.INDEXED_VALUE_TYPE_KEYWORD,
  RootWorkflowId: T.INDEXED_VALUE_TYPE_KEYWORD,
  RootRunId: T.INDEXED_VALUE_TYPE_KEYWORD,
  BuildIds: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  TemporalChangeVersion: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  BinaryChecksums: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  BatcherUser: T.INDEXED_VALUE_TYPE_KEYWORD,
  TemporalScheduledStartTime: T.INDEXED_VALUE_TYPE_DATETIME,
  TemporalScheduledById: T.INDEXED_VALUE_TYPE_KEYWORD,
  TemporalSchedulePaused: T.INDEXED_VALUE_TYPE_BOOL,
  TemporalNamespaceDivision: T.INDEXED_VALUE_TYPE_KEYWORD,
  TemporalPauseInfo: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  TemporalWorkerDeploymentVersion: T.INDEXED_VALUE_TYPE_KEYWORD,
  TemporalWorkerDeployment: T.INDEXED_VALUE_TYPE_KEYWORD,
  TemporalWorkflowVersioningBehavior: T.INDEXED_VALUE_TYPE_KEYWORD,
  TemporalReportedProblems: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** System attributes a caller may set on start or upsert (the rest are computed by the server). */
export const SETTABLE_SYSTEM_ATTRIBUTES = new Set([
  'TemporalChangeVersion',
  'BinaryChecksums',
  'BuildIds',
  'TemporalScheduledStartTime',
  'TemporalScheduledById',
  'TemporalNamespaceDivision',
  'BatcherUser',
  'TemporalReportedProblems',
]);

/** Parses an indexed value type name as `--search-attribute Name=Type` spells it (case-insensitive). */
export function parseIndexedValueType(name: string): number | undefined {
  const key = name.replace(/[_\s]/g, '').toLowerCase();
  const map: Record<string, number> = {
    text: T.INDEXED_VALUE_TYPE_TEXT,
    keyword: T.INDEXED_VALUE_TYPE_KEYWORD,
    int: T.INDEXED_VALUE_TYPE_INT,
    double: T.INDEXED_VALUE_TYPE_DOUBLE,
    bool: T.INDEXED_VALUE_TYPE_BOOL,
    datetime: T.INDEXED_VALUE_TYPE_DATETIME,
    keywordlist: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  return map[key];
}

/** Decodes a search attribute payload to a JS value (string, number, boolean, string[] or null). */
export function searchAttributeValue(payload: IPayload | null | undefined): unknown {
  const v = decodePayloadValue(payload);
  return v;
}

/** Merges upserted attributes into existing ones; an empty payload (null value) removes the attribute. */
export function mergeSearchAttributes(
  current: ISearchAttributes | null | undefined,
  upsert: ISearchAttributes | null | undefined,
): ISearchAttributes {
  const fields: Record<string, IPayload> = { ...(current?.indexedFields ?? {}) };
  for (const [k, p] of Object.entries(upsert?.indexedFields ?? {})) {
    const v = decodePayloadValue(p);
    if (v === null || (Array.isArray(v) && v.length === 0) || !p.data || p.data.length === 0) delete fields[k];
    else fields[k] = p;
  }
  return { indexedFields: fields };
}
