// UpdateWorkflowExecutionOptions: a run's versioning override and priority, changed through a field mask as on the
// real server, which writes WorkflowExecutionOptionsUpdated when something changed. A pinned override must name a
// version that polls the run's task queue (the deployments module checks it).
import { temporal } from '../internal/proto';
import type * as protobuf from 'protobufjs';
import { failedPrecondition, invalidArgument } from '../errors';
import { enums } from '../internal/proto';
import { HistoryEngine } from './engine';
import { Execution } from './mutable-state';

/** protobufjs reflection of the schema, loaded on first use (it takes tens of milliseconds). */
const descriptorRoot = () => (require('@kairos/proto') as typeof import('@kairos/proto')).descriptorRoot();

type Options = temporal.api.workflow.v1.IWorkflowExecutionOptions;

const OPTIONS_TYPE = 'temporal.api.workflow.v1.WorkflowExecutionOptions';

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** INVALID_ARGUMENT, worded as the real server's field mask parser words it, unless every path names a field. */
function validateMask(paths: string[]): void {
  const root = descriptorRoot();
  for (const path of paths) {
    let type: protobuf.Type | undefined = root.lookupType(OPTIONS_TYPE);
    for (const segment of path.split('.')) {
      const field: protobuf.Field | undefined = type?.fieldsArray.find((f) => snake(f.name) === segment);
      if (!field) {
        // (The no-break space after `proto:` is the real server's, see request-decoding.ts.)
        throw invalidArgument(
          `error parsing UpdateMask: proto:\u00a0invalid path "${path}" for message "${OPTIONS_TYPE}"`,
        );
      }
      field.resolve();
      type =
        field.resolvedType && 'fieldsArray' in field.resolvedType ? (field.resolvedType as protobuf.Type) : undefined;
    }
  }
}

/** Whether `paths` covers the top-level field `name` (the field itself or a part of it). */
const covers = (paths: string[], name: string) => paths.some((p) => p === name || p.startsWith(`${name}.`));

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Applies the masked options to a run; returns the run's options afterwards. */
export function updateWorkflowOptions(
  engine: HistoryEngine,
  ex: Execution,
  options: Options | null | undefined,
  paths: string[],
  identity: string,
): Options {
  validateMask(paths);
  const s = ex.state;
  const override = covers(paths, 'versioning_override') ? (options?.versioningOverride ?? null) : s.versioningOverride;
  const priority = covers(paths, 'priority') ? (options?.priority ?? null) : s.priority;
  const versioning = engine.hooks.versioning;
  if (versioning) versioning.validateOverride(s.namespace, s.taskQueue, override);
  else if (override?.pinned) {
    const v = override.pinned.version;
    throw failedPrecondition(
      `Pinned version '${v?.deploymentName ?? ''}:${v?.buildId ?? ''}' is not present in task queue '${s.taskQueue}' of type 'Workflow'`,
    );
  }
  if (!same(override, s.versioningOverride) || !same(priority, s.priority)) {
    engine.tx((tx) => {
      s.versioningOverride = override ?? null;
      s.priority = priority ?? null;
      engine.addExternalEvent(
        ex,
        tx,
        enums.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED,
        {
          versioningOverride: override ?? null,
          unsetVersioningOverride: !override,
          identity,
          priority: priority ?? null,
        },
        undefined,
        false,
      );
    });
  }
  return { versioningOverride: s.versioningOverride ?? null, priority: s.priority ?? null };
}
