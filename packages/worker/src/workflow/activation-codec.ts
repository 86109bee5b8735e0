/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Turns the core's activation bytes into the plain objects the isolate takes (numbers for 64-bit integers,
 * times in milliseconds, the randomness seed as bytes), runs payload codecs around the isolate, and encodes
 * completions for the core.
 *
 * @module
 */
import Long from 'long';
import type { Payload, PayloadCodec } from '@kairos/common';
import { kairos } from '@kairos/proto';
import type { IsolateActivation } from '@kairos/workflow/lib/worker-interface';

const { WorkflowActivation } = kairos.core.activation;
const { WorkflowActivationCompletion } = kairos.core.completion;

/** A decoded activation and its isolate form. */
export interface DecodedActivation {
  message: kairos.core.activation.WorkflowActivation;
  isolate: IsolateActivation;
  /** The eviction job, when the activation only evicts. */
  eviction?: kairos.core.activation.IRemoveFromCache;
  /** Whether the activation starts a run (has `initializeWorkflow`). */
  initializes: boolean;
  /** Whether the activation holds only queries. */
  queryOnly: boolean;
}

/** The 8 big-endian bytes of a u64 (a protobufjs Long or a number). */
export function seedToBytes(seed: Long | number | null | undefined): number[] {
  const long =
    seed === null || seed === undefined ? Long.UZERO : Long.isLong(seed) ? seed : Long.fromNumber(seed, true);
  return long.toBytesBE();
}

function toMs(ts: { seconds?: Long | number | null; nanos?: number | null } | null | undefined): number {
  if (!ts) return 0;
  const seconds = ts.seconds === null || ts.seconds === undefined ? 0 : Number(ts.seconds);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
}

const conversion = { longs: Number, enums: Number, defaults: false, oneofs: true } as const;

/** Decodes an activation from the core. */
export function decodeActivation(bytes: Uint8Array): DecodedActivation {
  const message = WorkflowActivation.decode(bytes);
  const plain = WorkflowActivation.toObject(message, conversion) as Record<string, any>;
  const jobs = (plain.jobs ?? []) as Record<string, any>[];
  let eviction: kairos.core.activation.IRemoveFromCache | undefined;
  let initializes = false;
  message.jobs.forEach((job, i) => {
    const out = jobs[i];
    if (job.initializeWorkflow) {
      initializes = true;
      out.randomnessSeedBytes = seedToBytes(job.initializeWorkflow.randomnessSeed as Long);
    } else if (job.updateRandomSeed) {
      out.randomnessSeedBytes = seedToBytes(job.updateRandomSeed.randomnessSeed as Long);
    } else if (job.removeFromCache) {
      eviction = job.removeFromCache;
    }
  });
  const isolate: IsolateActivation = {
    runId: message.runId,
    timestampMs: toMs(message.timestamp),
    isReplaying: message.isReplaying,
    historyLength: Number(message.historyLength),
    historySizeBytes: Number(message.historySizeBytes),
    continueAsNewSuggested: message.continueAsNewSuggested,
    suggestContinueAsNewReasons: plain.suggestContinueAsNewReasons,
    availableInternalFlags: plain.availableInternalFlags,
    deploymentVersionForCurrentTask: plain.deploymentVersionForCurrentTask,
    targetWorkerDeploymentVersionChanged: message.targetWorkerDeploymentVersionChanged,
    jobs,
  };
  const queryOnly = jobs.length > 0 && jobs.every((j) => j.queryWorkflow);
  return { message, isolate, eviction, initializes, queryOnly };
}

function isPayload(value: unknown): value is Payload {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Payload).data instanceof Uint8Array &&
    typeof (value as Payload).metadata === 'object'
  );
}

/**
 * Keys whose payloads are never passed through codecs: search attributes must stay readable by the server, and
 * headers are left as interceptors wrote them, as by the official worker (`skipHeaders`): activities and clients
 * read headers without decoding them, so an encoded `_tracer-data` header would break tracing with a codec.
 */
const CODEC_EXEMPT_KEYS = new Set(['searchAttributes', 'indexedFields', 'headers']);

/**
 * Runs `fn` over every payload in `root` (objects, arrays, maps of payloads), replacing each payload in place
 * with the result; payloads are processed in batches per containing list to keep codec calls few.
 */
async function mapPayloads(root: unknown, fn: (payloads: Payload[]) => Promise<Payload[]>): Promise<void> {
  const slots: { holder: Record<string | number, unknown>; key: string | number; payload: Payload }[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 200 || typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (isPayload(item)) slots.push({ holder: value as unknown as Record<number, unknown>, key: i, payload: item });
        else visit(item, depth + 1);
      });
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (CODEC_EXEMPT_KEYS.has(key)) continue;
      if (isPayload(item)) slots.push({ holder: value as Record<string, unknown>, key, payload: item });
      else visit(item, depth + 1);
    }
  };
  visit(root, 0);
  if (slots.length === 0) return;
  const results = await fn(slots.map((s) => s.payload));
  slots.forEach((slot, i) => {
    slot.holder[slot.key] = results[i];
  });
}

/** Decodes every payload of an activation with the codecs (last codec first), in place. */
export async function decodeActivationPayloads(activation: IsolateActivation, codecs: PayloadCodec[]): Promise<void> {
  if (codecs.length === 0) return;
  await mapPayloads(activation.jobs, async (payloads) => {
    let out = payloads;
    for (const codec of [...codecs].reverse()) out = await codec.decode(out);
    return out;
  });
}

/** Encodes every payload of a completion with the codecs (first codec first), in place. */
export async function encodeCompletionPayloads(completion: unknown, codecs: PayloadCodec[]): Promise<void> {
  if (codecs.length === 0) return;
  await mapPayloads(completion, async (payloads) => {
    let out = payloads;
    for (const codec of codecs) out = await codec.encode(out);
    return out;
  });
}

/** The force_cause value that makes the core report a non-determinism failure. */
const NON_DETERMINISTIC_ERROR_CAUSE = 24;

/** Encodes a completion for the core. */
export function encodeCompletion(
  runId: string,
  completion:
    | {
        successful: {
          commands: kairos.core.commands.IWorkflowCommand[];
          usedInternalFlags: number[];
          /** `temporal.api.enums.v1.VersioningBehavior` the workflow declares (0: none, the worker default applies). */
          versioningBehavior?: number;
        };
      }
    | { failed: { failure: unknown; nondeterminism?: boolean } },
): Uint8Array {
  if ('successful' in completion) {
    return WorkflowActivationCompletion.encode({ runId, successful: completion.successful }).finish();
  }
  return WorkflowActivationCompletion.encode({
    runId,
    failed: {
      failure: completion.failed.failure as kairos.core.completion.IFailure['failure'],
      forceCause: completion.failed.nondeterminism ? NON_DETERMINISTIC_ERROR_CAUSE : 0,
    },
  }).finish();
}

/** An empty successful completion (the answer to an eviction). */
export function emptyCompletion(runId: string): Uint8Array {
  return WorkflowActivationCompletion.encode({ runId, successful: { commands: [] } }).finish();
}
