import { temporal } from '../internal/proto';
import { enums, IPayload, ISearchAttributes, jsonPayload } from '../internal/proto';
import { readTypedValue } from './search-attributes';

type WorkerVersionStamp = temporal.api.common.v1.IWorkerVersionStamp;

/** The BuildIds entry of workers that do not use build-id versioning (with or without a build id). */
const UNVERSIONED = 'unversioned';

function keywordList(payload: IPayload | undefined): string[] {
  const typed = readTypedValue(payload, enums.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
  return typed.kind === 'value' && Array.isArray(typed.value) ? [...typed.value] : [];
}

/**
 * The search attributes after a workflow task completion, as the real server keeps them: `BuildIds` lists
 * `unversioned` first (unless the worker uses versioning) and then each `unversioned:<build id>` or
 * `versioned:<build id>` a worker stamped its completion with; `BinaryChecksums` lists each binary checksum sent.
 * Values already listed are not repeated. Undefined when nothing changes.
 */
export function trackCompletingBuild(
  current: ISearchAttributes | null | undefined,
  stamp: WorkerVersionStamp | null | undefined,
  binaryChecksum: string | null | undefined,
): ISearchAttributes | undefined {
  const fields = { ...(current?.indexedFields ?? {}) };
  let changed = false;
  const buildIds = keywordList(fields.BuildIds);
  const lengthBefore = buildIds.length;
  if (!stamp?.useVersioning && !buildIds.includes(UNVERSIONED)) buildIds.unshift(UNVERSIONED);
  if (stamp?.buildId) {
    const entry = `${stamp.useVersioning ? 'versioned' : UNVERSIONED}:${stamp.buildId}`;
    if (!buildIds.includes(entry)) buildIds.push(entry);
  }
  if (buildIds.length !== lengthBefore) {
    fields.BuildIds = jsonPayload(buildIds, { type: 'KeywordList' });
    changed = true;
  }
  if (binaryChecksum) {
    const checksums = keywordList(fields.BinaryChecksums);
    if (!checksums.includes(binaryChecksum)) {
      fields.BinaryChecksums = jsonPayload([...checksums, binaryChecksum], { type: 'KeywordList' });
      changed = true;
    }
  }
  return changed ? { indexedFields: fields } : undefined;
}

/**
 * The worker version a poller announces (recorded in the WorkflowTaskStarted and ActivityTaskStarted events, as
 * the real server records it); undefined when it names no build id.
 */
export function pollerWorkerVersion(
  capabilities: temporal.api.common.v1.IWorkerVersionCapabilities | null | undefined,
): WorkerVersionStamp | undefined {
  if (!capabilities?.buildId) return undefined;
  return { buildId: capabilities.buildId, useVersioning: capabilities.useVersioning ?? false };
}
