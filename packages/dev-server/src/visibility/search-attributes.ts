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
  BatcherNamespace: T.INDEXED_VALUE_TYPE_KEYWORD,
  TemporalExternalPayloadCount: T.INDEXED_VALUE_TYPE_INT,
  TemporalExternalPayloadSizeBytes: T.INDEXED_VALUE_TYPE_INT,
  TemporalUsedWorkerDeploymentVersions: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
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

/** Type names as they appear in a payload's `type` metadata and in error messages. */
const TYPE_NAMES: Record<number, string> = {
  [T.INDEXED_VALUE_TYPE_TEXT]: 'Text',
  [T.INDEXED_VALUE_TYPE_KEYWORD]: 'Keyword',
  [T.INDEXED_VALUE_TYPE_INT]: 'Int',
  [T.INDEXED_VALUE_TYPE_DOUBLE]: 'Double',
  [T.INDEXED_VALUE_TYPE_BOOL]: 'Bool',
  [T.INDEXED_VALUE_TYPE_DATETIME]: 'Datetime',
  [T.INDEXED_VALUE_TYPE_KEYWORD_LIST]: 'KeywordList',
};

/** The name of an indexed value type (`Keyword`, `Int`, ...). */
export function indexedValueTypeName(type: number): string {
  return TYPE_NAMES[type] ?? 'Unspecified';
}

/** RFC 3339 with a `T`, seconds, optional fraction and a `Z` or `±hh:mm` offset: what Datetime values must be. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function scalarFits(type: number, v: unknown): boolean {
  switch (type) {
    case T.INDEXED_VALUE_TYPE_TEXT:
    case T.INDEXED_VALUE_TYPE_KEYWORD:
      return typeof v === 'string';
    case T.INDEXED_VALUE_TYPE_INT:
      return typeof v === 'number' && Number.isInteger(v);
    case T.INDEXED_VALUE_TYPE_DOUBLE:
      return typeof v === 'number';
    case T.INDEXED_VALUE_TYPE_BOOL:
      return typeof v === 'boolean';
    case T.INDEXED_VALUE_TYPE_DATETIME:
      return typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v));
    default:
      return false;
  }
}

/** A search attribute value read as its registered type. */
export type TypedValue =
  { kind: 'empty' } | { kind: 'value'; value: string | number | boolean | string[] } | { kind: 'invalid' };

/** The keywords of a list whose items are strings or nulls (a null reads as an empty keyword, as in Go). */
function keywordItems(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' || x === null)) return undefined;
  return v.map((x: string | null) => x ?? '');
}

/**
 * Reads a payload as a value of `type`, as the real server does: `null`, `binary/null` and empty lists hold
 * nothing; a list of one element stands for that element, so a KeywordList may also come as a list holding one
 * list of keywords (`[["a", "b"]]` holds `a` and `b`; `[[]]` holds an empty list, which is not nothing); anything
 * else that does not fit the type is invalid.
 */
export function readTypedValue(payload: IPayload | null | undefined, type: number): TypedValue {
  const v = decodePayloadValue(payload);
  if (v === null) return { kind: 'empty' };
  if (v === undefined) return { kind: 'invalid' };
  if (type === T.INDEXED_VALUE_TYPE_KEYWORD_LIST) {
    if (Array.isArray(v) && v.length === 0) return { kind: 'empty' };
    const items = keywordItems(v) ?? (Array.isArray(v) && v.length === 1 ? keywordItems(v[0]) : undefined);
    return items ? { kind: 'value', value: items } : { kind: 'invalid' };
  }
  let scalar: unknown = v;
  if (Array.isArray(v)) {
    if (v.length === 0) return { kind: 'empty' };
    if (v.length > 1) return { kind: 'invalid' };
    scalar = v[0];
  }
  return scalarFits(type, scalar) ? { kind: 'value', value: scalar as string | number | boolean } : { kind: 'invalid' };
}

/** Formats a JSON number as the real server prints it (shortest digits; exponent form below 1e-4 and from 1e6). */
function goNumber(n: number): string {
  if (n === 0) return '0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 6) return String(n);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Formats a decoded value the way the real server prints it in errors: lists as `[a b]`, objects as `map[k:v]`. */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  }
  return String(v);
}

/** How an invalid payload appears in the error message: its decoded value, or its bytes when it is not JSON. */
export function describeInvalidValue(payload: IPayload | null | undefined): string {
  const v = decodePayloadValue(payload);
  if (v === undefined) return `[${[...(payload?.data ?? [])].join(' ')}]`;
  return goValue(v);
}

/** Whether a payload already says which type it holds. */
function hasTypeMetadata(payload: IPayload): boolean {
  return !!payload.metadata?.type && payload.metadata.type.length > 0;
}

/**
 * The attributes with the registered type added as `type` metadata to payloads that lack it (payloads that
 * carry a type keep theirs). With `dropEmpty`, attributes that hold nothing are left out (as at start;
 * upserts keep them, since they remove the attribute). Names without a registered type are kept as they are.
 */
export function withTypeMetadata(
  sa: ISearchAttributes | null | undefined,
  types: Record<string, number>,
  dropEmpty: boolean,
): ISearchAttributes | null {
  if (!sa) return null;
  const fields: Record<string, IPayload> = {};
  for (const [name, payload] of Object.entries(sa.indexedFields ?? {})) {
    const type = types[name];
    if (type === undefined) {
      fields[name] = payload;
      continue;
    }
    if (dropEmpty && readTypedValue(payload, type).kind === 'empty') continue;
    fields[name] = hasTypeMetadata(payload)
      ? payload
      : { ...payload, metadata: { ...(payload.metadata ?? {}), type: Buffer.from(indexedValueTypeName(type)) } };
  }
  return { indexedFields: fields };
}

/** A typed value as visibility encodes it: a KeywordList as a flat list of keywords (an empty one as `[""]`). */
function visibilityValue(typed: string | number | boolean | string[]): unknown {
  if (!Array.isArray(typed)) return typed;
  return typed.length > 0 ? typed : [''];
}

/**
 * The attributes as visibility returns them in List and Scan: each value re-encoded from its typed form, so a
 * one-element list given for a scalar attribute comes back as the scalar, and a KeywordList given as a list
 * holding one list (or with null items) comes back as the flat list of keywords, as the real server returns them.
 */
export function visibilitySearchAttributes(
  sa: ISearchAttributes | null | undefined,
  types: Record<string, number>,
): ISearchAttributes {
  const fields: Record<string, IPayload> = {};
  for (const [name, payload] of Object.entries(sa?.indexedFields ?? {})) {
    const type = types[name];
    const typed = type === undefined ? undefined : readTypedValue(payload, type);
    const listed = typed?.kind === 'value' ? JSON.stringify(visibilityValue(typed.value)) : undefined;
    if (listed !== undefined && listed !== JSON.stringify(decodePayloadValue(payload))) {
      fields[name] = { ...payload, data: Buffer.from(listed) };
    } else {
      fields[name] = payload;
    }
  }
  return { indexedFields: fields };
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
