import { temporal } from '../internal/proto';
import { invalidArgument } from '../errors';
import { decodePageToken, encodePageToken } from '../internal/page-token';
import { WorkflowServiceHandlers } from './service-definition';
import { executionInfo } from './execution-info';
import { compileQuery, countGroups, firstInOrder, visibilityOrder } from '../visibility/visibility';
import type { ServerContext } from '../server-context';
import { Execution } from '../history/mutable-state';
import { enums, timestampMs } from '../internal/proto';
import { SYSTEM_SEARCH_ATTRIBUTES, visibilitySearchAttributes } from '../visibility/search-attributes';

const WS = enums.WorkflowExecutionStatus;
const MAX_PAGE = 1000;

/** ListWorkflowExecutions, ScanWorkflowExecutions and CountWorkflowExecutions over the in-memory runs. */
export function visibilityHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine } = ctx;
  const select = (namespace: string | null | undefined, query: string | null | undefined) => {
    const ns = engine.namespace(namespace ?? '');
    const q = compileQuery(ns, query);
    const out: Execution[] = [];
    for (const ex of engine.executions.values()) if (ex.state.namespace === ns.name && q.matches(ex)) out.push(ex);
    return { runs: out, groupBy: q.groupBy };
  };
  const list = (req: {
    namespace?: string | null;
    query?: string | null;
    pageSize?: number | null;
    nextPageToken?: Uint8Array | null;
  }) => {
    const ns = engine.namespace(req.namespace ?? '');
    const q = compileQuery(ns, req.query);
    if (q.groupBy)
      throw invalidArgument("invalid query: 'GROUP BY' clause is only supported in CountWorkflowExecutions");
    const size = req.pageSize && req.pageSize > 0 ? Math.min(req.pageSize, MAX_PAGE) : MAX_PAGE;
    const offset = decodePageToken(req.nextPageToken);
    // Open runs first, then closed ones newest first, up to one past the page (to know whether another follows).
    const wanted = offset + size + 1;
    const matching: Execution[] = [];
    for (const ex of engine.openExecutions()) if (ex.state.namespace === ns.name && q.matches(ex)) matching.push(ex);
    matching.sort(visibilityOrder);
    if (matching.length < wanted) {
      for (const ex of engine.closedNewestFirst()) {
        if (ex.state.namespace !== ns.name || !q.matches(ex)) continue;
        matching.push(ex);
        if (matching.length >= wanted) break;
      }
    }
    const page = matching.slice(offset, offset + size);
    const more = matching.length > offset + size;
    const types = { ...SYSTEM_SEARCH_ATTRIBUTES, ...ns.searchAttributes };
    return {
      // Visibility returns each search attribute re-encoded from its typed value (describe returns it as stored).
      executions: page.map((ex) => ({
        ...executionInfo(engine, ex, true),
        searchAttributes: visibilitySearchAttributes(ex.state.searchAttributes, types),
      })),
      nextPageToken: more ? encodePageToken(offset + size) : Buffer.alloc(0),
    };
  };
  /**
   * The legacy lists of open or closed runs, with their filters (start time range, then one of workflow id, type or
   * close status), newest first, as the real server lists them.
   */
  const legacyList = (
    req: temporal.api.workflowservice.v1.IListClosedWorkflowExecutionsRequest,
    open: boolean,
  ): temporal.api.workflowservice.v1.IListClosedWorkflowExecutionsResponse => {
    const ns = engine.namespace(req.namespace ?? '');
    const status = req.statusFilter?.status;
    if (!open && req.statusFilter && (!status || status === WS.WORKFLOW_EXECUTION_STATUS_RUNNING)) {
      throw invalidArgument('StatusFilter must be specified and must be not Running.');
    }
    const earliest = req.startTimeFilter?.earliestTime ? timestampMs(req.startTimeFilter.earliestTime) : -Infinity;
    const latest = req.startTimeFilter?.latestTime ? timestampMs(req.startTimeFilter.latestTime) : Infinity;
    const runs: Execution[] = [];
    for (const ex of engine.executions.values()) {
      const st = ex.state;
      if (st.namespace !== ns.name || (st.closeTime === undefined) !== open) continue;
      if (st.startTime < earliest || st.startTime > latest) continue;
      if (req.executionFilter?.workflowId && st.workflowId !== req.executionFilter.workflowId) continue;
      if (req.executionFilter?.runId && st.runId !== req.executionFilter.runId) continue;
      if (req.typeFilter?.name && st.workflowType !== req.typeFilter.name) continue;
      if (status && st.status !== status) continue;
      runs.push(ex);
    }
    const size = req.maximumPageSize && req.maximumPageSize > 0 ? Math.min(req.maximumPageSize, MAX_PAGE) : MAX_PAGE;
    const offset = decodePageToken(req.nextPageToken);
    const types = { ...SYSTEM_SEARCH_ATTRIBUTES, ...ns.searchAttributes };
    return {
      executions: firstInOrder(runs, offset + size, visibilityOrder)
        .slice(offset)
        .map((ex) => ({
          ...executionInfo(engine, ex, true),
          searchAttributes: visibilitySearchAttributes(ex.state.searchAttributes, types),
        })),
      nextPageToken: offset + size < runs.length ? encodePageToken(offset + size) : Buffer.alloc(0),
    };
  };
  return {
    ListOpenWorkflowExecutions: (req: temporal.api.workflowservice.v1.IListOpenWorkflowExecutionsRequest) =>
      legacyList(req, true),
    ListClosedWorkflowExecutions: (req: temporal.api.workflowservice.v1.IListClosedWorkflowExecutionsRequest) =>
      legacyList(req, false),
    ListWorkflowExecutions: (req: temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest) => list(req),
    ScanWorkflowExecutions: (req: temporal.api.workflowservice.v1.IScanWorkflowExecutionsRequest) => list(req),
    CountWorkflowExecutions: (req: temporal.api.workflowservice.v1.ICountWorkflowExecutionsRequest) => {
      const { runs, groupBy } = select(req.namespace, req.query);
      return groupBy ? { count: runs.length, groups: countGroups(runs) } : { count: runs.length, groups: [] };
    },
  };
}
