import { temporal } from '../internal/proto';
import { invalidArgument } from '../errors';
import { enums, jsonPayload } from '../internal/proto';
import { Execution } from '../history/mutable-state';
import { NamespaceRecord } from '../persistence/persistence';
import { Expr, parseQuery, Value } from './query-parser';
import { readTypedValue, SYSTEM_SEARCH_ATTRIBUTES } from './search-attributes';

const T = enums.IndexedValueType;
const WS = enums.WorkflowExecutionStatus;

/** ExecutionStatus names as queries spell them. */
const STATUS_NAMES: Record<number, string> = {
  [WS.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'Running',
  [WS.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'Completed',
  [WS.WORKFLOW_EXECUTION_STATUS_FAILED]: 'Failed',
  [WS.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'Canceled',
  [WS.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'Terminated',
  [WS.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'ContinuedAsNew',
  [WS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'TimedOut',
};

type Scalar = string | number | boolean | null;

/** A value of an attribute of a run, normalised for comparison (datetimes in ms). */
function attributeValue(ex: Execution, name: string, types: Record<string, number>): Scalar | string[] {
  const s = ex.state;
  switch (name) {
    case 'WorkflowId':
      return s.workflowId;
    case 'RunId':
      return s.runId;
    case 'WorkflowType':
      return s.workflowType;
    case 'ExecutionStatus':
      return STATUS_NAMES[s.status] ?? String(s.status);
    case 'TaskQueue':
      return s.taskQueue;
    case 'StartTime':
      return s.startTime;
    case 'ExecutionTime':
      return s.executionTime;
    case 'CloseTime':
      return s.closeTime ?? null;
    case 'HistoryLength':
      return s.closeEventId ?? s.nextEventId - 1;
    case 'HistorySizeBytes':
      return s.historySizeBytes;
    case 'StateTransitionCount':
      return s.stateTransitions;
    case 'ExecutionDuration':
      return s.closeTime !== undefined ? (s.closeTime - s.executionTime) * 1e6 : null;
    case 'ParentWorkflowId':
      return s.parent?.workflowId ?? null;
    case 'ParentRunId':
      return s.parent?.runId ?? null;
    // A closed run's summary leaves out a root that is the run itself (a run without a parent).
    case 'RootWorkflowId':
      return s.root?.workflowId ?? (s.parent ? null : s.workflowId);
    case 'RootRunId':
      return s.root?.runId ?? (s.parent ? null : s.runId);
    default: {
      const payload = s.searchAttributes?.indexedFields?.[name];
      if (!payload) return null;
      // Read as the registered type, so a one-element list stored for a scalar attribute compares as its element.
      const typed = readTypedValue(payload, types[name]);
      if (typed.kind !== 'value') return null;
      const v = typed.value;
      if (Array.isArray(v)) return v;
      if (typeof v === 'string' && types[name] === T.INDEXED_VALUE_TYPE_DATETIME) return Date.parse(v);
      return v;
    }
  }
}

/** A value of an attribute that is not a KeywordList (a list, which such attributes never hold, reads as null). */
function scalarAttributeValue(ex: Execution, name: string, types: Record<string, number>): Scalar {
  const v = attributeValue(ex, name, types);
  return Array.isArray(v) ? null : v;
}

/** Converts a query literal to the attribute's type (INVALID_ARGUMENT when it does not fit). */
function literal(type: number, attr: string, v: Value): Scalar {
  switch (type) {
    case T.INDEXED_VALUE_TYPE_DATETIME: {
      if (typeof v === 'number') return v / 1e6;
      const ms = Date.parse(String(v));
      if (Number.isNaN(ms))
        throw invalidArgument(`invalid query: invalid datetime value ${JSON.stringify(v)} for ${attr}`);
      return ms;
    }
    case T.INDEXED_VALUE_TYPE_INT:
    case T.INDEXED_VALUE_TYPE_DOUBLE:
      if (attr === 'ExecutionDuration' && typeof v === 'string') {
        const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
        if (!m) throw invalidArgument(`invalid query: invalid duration ${v} for ${attr}`);
        return parseFloat(m[1]) * { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ns'];
      }
      if (typeof v !== 'number')
        throw invalidArgument(`invalid query: ${attr} needs a number, got ${JSON.stringify(v)}`);
      return v;
    case T.INDEXED_VALUE_TYPE_BOOL:
      if (typeof v !== 'boolean')
        throw invalidArgument(`invalid query: ${attr} needs true or false, got ${JSON.stringify(v)}`);
      return v;
    default:
      if (attr === 'ExecutionStatus') {
        if (typeof v === 'number') return STATUS_NAMES[v] ?? String(v);
        const match = Object.values(STATUS_NAMES).find((n) => n.toLowerCase() === String(v).toLowerCase());
        if (!match) throw invalidArgument(`invalid query: invalid ExecutionStatus value ${JSON.stringify(v)}`);
        return match;
      }
      if (typeof v !== 'string')
        throw invalidArgument(`invalid query: ${attr} needs a string, got ${JSON.stringify(v)}`);
      return v;
  }
}

function compare(a: Scalar, b: Scalar): number {
  if (a === null || b === null) return NaN;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

type Predicate = (ex: Execution) => boolean;

function unknownAttribute(attr: string) {
  return invalidArgument(`invalid query: invalid search attribute: ${attr}`);
}

function keywordListOperator(operator: string, attr: string) {
  return invalidArgument(
    `invalid query: operation is not supported: operator '${operator}' not supported for KeywordList type search attribute '${attr}'`,
  );
}

/**
 * Whether a KeywordList value holds one of `values`. Like the real server's SQL visibility, the comparison
 * ignores case, and a run without the attribute holds nothing (so `!=` and `NOT IN` match it).
 */
function listHolds(v: unknown, values: Scalar[]): boolean {
  if (!Array.isArray(v)) return false;
  // An empty keyword (a null item, say) is kept but never matches, not even ''.
  const wanted = values.map((x) => String(x).toLowerCase()).filter((x) => x !== '');
  return v.some((x) => wanted.includes(String(x).toLowerCase()));
}

function compile(expr: Expr, types: Record<string, number>): Predicate {
  const typeOf = (attr: string): number => {
    const t = types[attr];
    if (t === undefined) throw unknownAttribute(attr);
    return t;
  };
  switch (expr.kind) {
    case 'and': {
      const l = compile(expr.left, types);
      const r = compile(expr.right, types);
      return (ex) => l(ex) && r(ex);
    }
    case 'or': {
      const l = compile(expr.left, types);
      const r = compile(expr.right, types);
      return (ex) => l(ex) || r(ex);
    }
    case 'isNull': {
      typeOf(expr.attr);
      return (ex) => {
        // A KeywordList holding an empty list (`[[]]`) is not null.
        const isNull = attributeValue(ex, expr.attr, types) === null;
        return expr.negated ? !isNull : isNull;
      };
    }
    case 'startsWith': {
      const t = typeOf(expr.attr);
      if (t === T.INDEXED_VALUE_TYPE_KEYWORD_LIST) throw keywordListOperator('STARTS_WITH', expr.attr);
      if (t !== T.INDEXED_VALUE_TYPE_KEYWORD)
        throw invalidArgument(`invalid query: STARTS_WITH is only supported on Keyword attributes, not ${expr.attr}`);
      return (ex) => {
        const v = attributeValue(ex, expr.attr, types);
        const r = typeof v === 'string' && v.startsWith(expr.prefix);
        return expr.negated ? !r : r;
      };
    }
    case 'in': {
      const t = typeOf(expr.attr);
      const values = expr.values.map((v) => literal(t, expr.attr, v));
      if (t === T.INDEXED_VALUE_TYPE_KEYWORD_LIST) {
        return (ex) => listHolds(attributeValue(ex, expr.attr, types), values) !== expr.negated;
      }
      return (ex) => {
        const v = scalarAttributeValue(ex, expr.attr, types);
        // A run without the attribute is in no list, and not outside one either (SQL's NULL).
        if (v === null) return false;
        const r = values.some((x) => compare(v, x) === 0);
        return expr.negated ? !r : r;
      };
    }
    case 'between': {
      const t = typeOf(expr.attr);
      if (t === T.INDEXED_VALUE_TYPE_KEYWORD_LIST) {
        throw invalidArgument(
          `invalid query: invalid expression: cannot do range condition on search attribute '${expr.attr}' of type KeywordList`,
        );
      }
      const low = literal(t, expr.attr, expr.low);
      const high = literal(t, expr.attr, expr.high);
      return (ex) => {
        const v = attributeValue(ex, expr.attr, types);
        const r = !Array.isArray(v) && compare(v, low) >= 0 && compare(v, high) <= 0;
        return expr.negated ? !r : r;
      };
    }
    case 'cmp': {
      const t = typeOf(expr.attr);
      const value = literal(t, expr.attr, expr.value);
      if (t === T.INDEXED_VALUE_TYPE_KEYWORD_LIST) {
        if (expr.op !== '=' && expr.op !== '!=') throw keywordListOperator(expr.op, expr.attr);
        return (ex) => listHolds(attributeValue(ex, expr.attr, types), [value]) === (expr.op === '=');
      }
      if ((t === T.INDEXED_VALUE_TYPE_TEXT || t === T.INDEXED_VALUE_TYPE_BOOL) && expr.op !== '=' && expr.op !== '!=') {
        throw invalidArgument(`invalid query: operator ${expr.op} is not supported on ${expr.attr}`);
      }
      return (ex) => {
        const v = scalarAttributeValue(ex, expr.attr, types);
        if (t === T.INDEXED_VALUE_TYPE_TEXT && typeof v === 'string') {
          const words = String(value).toLowerCase().split(/\s+/).filter(Boolean);
          const has = words.every((w) => v.toLowerCase().includes(w));
          return expr.op === '=' ? has : !has;
        }
        const c = compare(v, value);
        if (Number.isNaN(c)) return expr.op === '!=' && v !== null ? true : false;
        switch (expr.op) {
          case '=':
            return c === 0;
          case '!=':
            return c !== 0;
          case '>':
            return c > 0;
          case '>=':
            return c >= 0;
          case '<':
            return c < 0;
          default:
            return c <= 0;
        }
      };
    }
  }
}

/** A compiled visibility query for one namespace. */
export interface CompiledQuery {
  matches: Predicate;
  groupBy?: string;
}

export function compileQuery(ns: NamespaceRecord, text: string | null | undefined): CompiledQuery {
  const types = { ...SYSTEM_SEARCH_ATTRIBUTES, ...ns.searchAttributes };
  const parsed = parseQuery(text);
  const matches = parsed.where ? compile(parsed.where, types) : () => true;
  // Like the real server, every attribute named must exist before a clause is refused for what it asks.
  for (const attr of [...(parsed.groupBy ? [parsed.groupBy] : []), ...(parsed.orderBy ?? [])]) {
    if (types[attr] === undefined) throw unknownAttribute(attr);
  }
  if (parsed.groupBy && parsed.groupBy !== 'ExecutionStatus') {
    throw invalidArgument(
      `invalid query: operation is not supported: 'GROUP BY' clause is not supported for search attribute ${parsed.groupBy}`,
    );
  }
  if (parsed.orderBy) throw invalidArgument("invalid query: operation is not supported: 'ORDER BY' clause");
  return { matches, groupBy: parsed.groupBy };
}

/** Visibility order: open runs first, then by close time, start time (newest first) and run id. */
export function visibilityOrder(a: Execution, b: Execution): number {
  const ca = a.state.closeTime ?? Infinity;
  const cb = b.state.closeTime ?? Infinity;
  if (ca !== cb) return cb - ca;
  if (a.state.startTime !== b.state.startTime) return b.state.startTime - a.state.startTime;
  return a.state.runId < b.state.runId ? -1 : a.state.runId > b.state.runId ? 1 : 0;
}

/** Count groups by ExecutionStatus, in the order of the status values (Running, Completed, ...) as the real server. */
export function countGroups(
  executions: Execution[],
): temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse.IAggregationGroup[] {
  const counts = new Map<number, number>();
  for (const ex of executions) counts.set(ex.state.status, (counts.get(ex.state.status) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => ({
      groupValues: [jsonPayload(STATUS_NAMES[status] ?? String(status), { type: 'Keyword' })],
      count,
    }));
}

/** Attributes every schedule query may name besides the namespace's custom ones. */
const SCHEDULE_QUERY_ATTRIBUTES = new Set(['ScheduleId', 'TemporalSchedulePaused']);

/**
 * A query over a namespace's schedules, as the real server reads it: `ScheduleId`, `TemporalSchedulePaused` and
 * the custom search attributes; other system attributes are refused (`invalid query filter for schedules: cannot
 * filter on "WorkflowId"`). Schedules are matched as runs whose workflow id is the schedule id.
 */
export function compileScheduleQuery(ns: NamespaceRecord, text: string | null | undefined): CompiledQuery {
  const parsed = parseQuery(text);
  const check = (attr: string) => {
    if (
      !SCHEDULE_QUERY_ATTRIBUTES.has(attr) &&
      ns.searchAttributes[attr] === undefined &&
      SYSTEM_SEARCH_ATTRIBUTES[attr] !== undefined
    ) {
      throw invalidArgument(`invalid query filter for schedules: cannot filter on "${attr}"`);
    }
  };
  const visit = (e: Expr): void => {
    if ('left' in e) {
      visit(e.left);
      visit(e.right);
      return;
    }
    check(e.attr);
    if (e.attr === 'ScheduleId') (e as { attr: string }).attr = 'WorkflowId';
  };
  if (parsed.where) visit(parsed.where);
  for (const attr of [...(parsed.groupBy ? [parsed.groupBy] : []), ...(parsed.orderBy ?? [])]) check(attr);
  const types = { ...SYSTEM_SEARCH_ATTRIBUTES, ...ns.searchAttributes };
  const matches = parsed.where ? compile(parsed.where, types) : () => true;
  if (parsed.groupBy) {
    throw invalidArgument(
      `invalid query: operation is not supported: 'GROUP BY' clause is not supported for search attribute ${parsed.groupBy}`,
    );
  }
  if (parsed.orderBy) throw invalidArgument("invalid query: operation is not supported: 'ORDER BY' clause");
  return { matches };
}

/**
 * The first `k` items in `compare` order, sorted (the whole list sorted when that is cheaper): a page of a list does
 * not need the other 200,000 runs sorted.
 */
export function firstInOrder<T>(items: T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (k * 4 >= items.length) return items.slice().sort(compare).slice(0, k);
  // A heap of the best k so far, its worst item on top.
  const heap: T[] = [];
  const worse = (i: number, j: number) => compare(heap[i], heap[j]) > 0;
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(i, parent)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && worse(l, top)) top = l;
      if (r < heap.length && worse(r, top)) top = r;
      if (top === i) return;
      swap(i, top);
      i = top;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      up(heap.length - 1);
    } else if (k > 0 && compare(item, heap[0]) < 0) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort(compare);
}
