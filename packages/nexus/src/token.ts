/**
 * Nexus operation tokens in the format every Temporal SDK and the server share: the base64url encoding (without
 * padding) of a JSON object `{t, ns, wid?, aid?, rid?, uid?}`, where `t` is the {@link OperationTokenType}. A
 * `v` (version) field is only ever absent or 0.
 *
 * @module
 */

/**
 * The kind of operation a token identifies (the Nexus operation token format's numbers: 0 is reserved).
 *
 * @internal
 * @hidden
 */
export const OperationTokenType = {
  WORKFLOW_RUN: 1,
  ACTIVITY: 2,
  UPDATE_WORKFLOW: 3,
} as const;

/**
 * The kind of operation a token identifies.
 *
 * @internal
 * @hidden
 */
export type OperationTokenType = (typeof OperationTokenType)[keyof typeof OperationTokenType];

/**
 * The fields of an operation token.
 *
 * @internal
 * @hidden
 */
export interface OperationToken {
  /** Token format version: absent (or 0) in every token this SDK writes or accepts. */
  v?: number;
  /** The kind of operation. */
  t: OperationTokenType;
  /** Namespace of the operation. */
  ns: string;
  /** Workflow id (workflow-run and update operations). */
  wid?: string;
  /** Activity id (activity operations). */
  aid?: string;
  /** Run id (activity operations; update operations when pinned to a run). */
  rid?: string;
}

/**
 * A token of an operation backed by a workflow run.
 *
 * @internal
 * @hidden
 */
export interface WorkflowRunOperationToken extends OperationToken {
  t: typeof OperationTokenType.WORKFLOW_RUN;
  wid: string;
}

/**
 * A token of an operation backed by a workflow update.
 *
 * @internal
 * @hidden
 */
export interface UpdateWorkflowOperationToken extends OperationToken {
  t: typeof OperationTokenType.UPDATE_WORKFLOW;
  wid: string;
  /** Run id of the updated workflow; absent when the update was not pinned to a run. */
  rid?: string;
  /** Update id. */
  uid: string;
}

/**
 * A token of an operation backed by a standalone activity.
 *
 * @internal
 * @hidden
 */
export interface ActivityOperationToken extends OperationToken {
  t: typeof OperationTokenType.ACTIVITY;
  aid: string;
  rid: string;
}

/** base64url without the trailing `=` padding. */
export function base64URLEncodeNoPadding(str: string): string {
  return Buffer.from(str, 'utf8').toString('base64url').replace(/=+$/, '');
}

function base64URLDecodeNoPadding(encoded: string): string {
  // Node's decoder skips characters outside the alphabet silently, so check them first.
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) {
    throw new TypeError('invalid base64URL encoded string: contains invalid characters');
  }
  return Buffer.from(encoded, 'base64url').toString('utf8');
}

/** Encodes a token (its fields in the order given, `undefined` ones left out). */
export function encodeOperationToken(token: OperationToken): string {
  return base64URLEncodeNoPadding(JSON.stringify(token));
}

/** The token of an operation backed by the workflow `workflowId` in `namespace`. */
export function generateWorkflowRunOperationToken(namespace: string, workflowId: string): string {
  const token: WorkflowRunOperationToken = { t: OperationTokenType.WORKFLOW_RUN, ns: namespace, wid: workflowId };
  return encodeOperationToken(token);
}

/**
 * The token of an operation backed by update `updateId` of workflow `workflowId` (run `runId` when given).
 *
 * @throws {TypeError} if `namespace`, `workflowId` or `updateId` is empty.
 */
export function generateUpdateWorkflowOperationToken(
  namespace: string,
  workflowId: string,
  runId: string,
  updateId: string,
): string {
  if (!namespace) throw new TypeError('invalid update workflow token: missing namespace');
  if (!workflowId) throw new TypeError('invalid update workflow token: missing workflow ID (wid)');
  if (!updateId) throw new TypeError('invalid update workflow token: missing update ID (uid)');
  const token: UpdateWorkflowOperationToken = {
    t: OperationTokenType.UPDATE_WORKFLOW,
    ns: namespace,
    wid: workflowId,
    rid: runId || undefined,
    uid: updateId,
  };
  return encodeOperationToken(token);
}

/** The token of an operation backed by the standalone activity `activityId` (run `runId`). */
export function generateActivityOperationToken(namespace: string, activityId: string, runId: string): string {
  const token: ActivityOperationToken = { t: OperationTokenType.ACTIVITY, ns: namespace, aid: activityId, rid: runId };
  return encodeOperationToken(token);
}

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(OperationTokenType));

/**
 * Decodes a token and checks the fields every token has.
 *
 * @throws {TypeError} naming what is wrong: empty, not base64url, not JSON, a version, an unknown type, no namespace.
 */
export function loadOperationToken(data: string): OperationToken {
  if (!data) throw new TypeError('invalid operation token: token is empty');
  let json: string;
  try {
    json = base64URLDecodeNoPadding(data);
  } catch (err) {
    throw new TypeError('failed to decode token', { cause: err });
  }
  let token: unknown;
  try {
    token = JSON.parse(json);
  } catch (err) {
    throw new TypeError('failed to unmarshal Operation token', { cause: err });
  }
  if (typeof token !== 'object' || token === null) {
    throw new TypeError(`invalid operation token: expected object, got ${token === null ? 'null' : typeof token}`);
  }
  const fields = token as Record<string, unknown>;
  if (fields.v !== undefined && fields.v !== 0) {
    throw new TypeError('invalid operation token: "v" field should not be present');
  }
  if (typeof fields.t !== 'number') {
    throw new TypeError(`invalid operation token: expected token type to be a number, got ${typeof fields.t}`);
  }
  if (!KNOWN_TYPES.has(fields.t)) throw new TypeError(`invalid operation token: unknown token type: ${fields.t}`);
  if (typeof fields.ns !== 'string') {
    throw new TypeError(`invalid operation token: expected namespace to be a string, got ${typeof fields.ns}`);
  }
  return fields as unknown as OperationToken;
}

/** Checks that a token identifies a workflow run. */
export function assertWorkflowRunOperationToken(token: OperationToken): asserts token is WorkflowRunOperationToken {
  if (token.t !== OperationTokenType.WORKFLOW_RUN) {
    throw new TypeError(`invalid workflow token type: ${token.t}, expected: ${OperationTokenType.WORKFLOW_RUN}`);
  }
  if (!token.wid || typeof token.wid !== 'string') {
    throw new TypeError('invalid workflow run token: missing workflow ID (wid)');
  }
}

/** Decodes a token that must identify a workflow run. */
export function loadWorkflowRunOperationToken(data: string): WorkflowRunOperationToken {
  const token = loadOperationToken(data);
  assertWorkflowRunOperationToken(token);
  return token;
}

/** Checks that a token identifies a workflow update. */
export function assertUpdateWorkflowOperationToken(
  token: OperationToken,
): asserts token is UpdateWorkflowOperationToken {
  if (token.t !== OperationTokenType.UPDATE_WORKFLOW) {
    throw new TypeError(
      `invalid update workflow token type: ${token.t}, expected: ${OperationTokenType.UPDATE_WORKFLOW}`,
    );
  }
  if (!token.wid || typeof token.wid !== 'string') {
    throw new TypeError('invalid update workflow token: missing workflow ID (wid)');
  }
  const uid = (token as { uid?: unknown }).uid;
  if (!uid || typeof uid !== 'string') throw new TypeError('invalid update workflow token: missing update ID (uid)');
}

/** Decodes a token that must identify a workflow update. */
export function loadUpdateWorkflowOperationToken(data: string): UpdateWorkflowOperationToken {
  const token = loadOperationToken(data);
  assertUpdateWorkflowOperationToken(token);
  return token;
}

/** Checks that a token identifies a standalone activity. */
export function assertActivityOperationToken(token: OperationToken): asserts token is ActivityOperationToken {
  if (token.t !== OperationTokenType.ACTIVITY) {
    throw new TypeError(`invalid activity token type: ${token.t}, expected: ${OperationTokenType.ACTIVITY}`);
  }
  if (!token.aid || typeof token.aid !== 'string') {
    throw new TypeError('invalid activity token: missing or invalid activity ID (aid)');
  }
  if (!token.rid || typeof token.rid !== 'string') {
    throw new TypeError('invalid activity token: missing or invalid activity run ID (rid)');
  }
}
