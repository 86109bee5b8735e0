/**
 * Slot tuning types of the official worker. Kairos's core has fixed-size slots: a `TunerHolder` whose suppliers
 * are all `fixed-size` is applied (it sets the same limits as the `maxConcurrent*` options); resource-based and
 * custom slot suppliers are not implemented and are refused with a "not implemented" error.
 *
 * @module
 */
import type { Duration } from '@kairos/common/lib/time';
import type { WorkerDeploymentVersion } from '@kairos/common';

/** How a worker decides how many tasks of each kind it may run at once. */
export type WorkerTuner = ResourceBasedTuner | ResourceBasedTunerWithController | TunerHolder;

/** One slot supplier per task kind. */
export interface TunerHolder {
  workflowTaskSlotSupplier: SlotSupplier<WorkflowSlotInfo>;
  activityTaskSlotSupplier: SlotSupplier<ActivitySlotInfo>;
  localActivityTaskSlotSupplier: SlotSupplier<LocalActivitySlotInfo>;
  nexusTaskSlotSupplier: SlotSupplier<NexusSlotInfo>;
}

/** A slot supplier. */
export type SlotSupplier<SI extends SlotInfo> =
  ResourceBasedSlotsForType | FixedSizeSlotSupplier | CustomSlotSupplier<SI>;

/** Per-kind options of a resource-based tuner. */
interface ResourceBasedTunerSlotOptions {
  workflowTaskSlotOptions?: ResourceBasedSlotOptions;
  activityTaskSlotOptions?: ResourceBasedSlotOptions;
  localActivityTaskSlotOptions?: ResourceBasedSlotOptions;
  nexusTaskSlotOptions?: ResourceBasedSlotOptions;
}

/** A tuner that sizes slots from memory and CPU use (not implemented in Kairos). */
export interface ResourceBasedTuner extends ResourceBasedTunerSlotOptions {
  tunerOptions: ResourceBasedTunerOptions;
  controller?: never;
}

/** A resource-based tuner sharing a controller with other workers (not implemented in Kairos). */
export interface ResourceBasedTunerWithController extends ResourceBasedTunerSlotOptions {
  controller: ResourceBasedController;
  tunerOptions?: never;
}

/** Targets of a resource-based tuner, as fractions of the machine. */
export interface ResourceBasedTunerOptions {
  targetMemoryUsage: number;
  targetCpuUsage: number;
}

/** Shares resource-based tuning between workers. Not implemented in Kairos: `create` throws. */
export class ResourceBasedController {
  private constructor() {}

  static create(_options: ResourceBasedTunerOptions): ResourceBasedController {
    throw new Error('not implemented: ResourceBasedController (resource-based slot tuning)');
  }
}

/** Limits of a resource-based slot supplier. */
export interface ResourceBasedSlotOptions {
  minimumSlots?: number;
  maximumSlots?: number;
  rampThrottle?: Duration;
}

/** A resource-based slot supplier for one task kind. */
export type ResourceBasedSlotsForType = ResourceBasedSlotOptions &
  (
    | { tunerOptions: ResourceBasedTunerOptions; controller?: never }
    | { controller: ResourceBasedController; tunerOptions?: never }
  ) & {
    type: 'resource-based';
  };

/** A fixed number of slots. */
export interface FixedSizeSlotSupplier {
  type: 'fixed-size';
  numSlots: number;
}

/** Slots managed by user code (not implemented in Kairos). */
export interface CustomSlotSupplier<SI extends SlotInfo> {
  type: 'custom';
  reserveSlot(ctx: SlotReserveContext, abortSignal: AbortSignal): Promise<SlotPermit>;
  tryReserveSlot(ctx: SlotReserveContext): SlotPermit | null;
  markSlotUsed(ctx: SlotMarkUsedContext<SI>): void;
  releaseSlot(ctx: SlotReleaseContext<SI>): void;
}

/** What a slot is used for. */
export type SlotInfo = WorkflowSlotInfo | ActivitySlotInfo | LocalActivitySlotInfo | NexusSlotInfo;

export interface WorkflowSlotInfo {
  type: 'workflow';
  workflowType: string;
  isSticky: boolean;
}
export interface ActivitySlotInfo {
  type: 'activity';
  activityType: string;
}
export interface LocalActivitySlotInfo {
  type: 'local-activity';
  activityType: string;
}
export interface NexusSlotInfo {
  type: 'nexus';
  service: string;
  operation: string;
}

/** A reserved slot, as a custom supplier returns it. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- any object, as in the official SDK
export interface SlotPermit {}

/** Context of a slot reservation. */
export interface SlotReserveContext {
  slotType: SlotInfo['type'];
  taskQueue: string;
  workerIdentity: string;
  workerBuildId: string;
  workerDeploymentVersion?: WorkerDeploymentVersion;
  isSticky: boolean;
}

/** Context of marking a slot used. */
export interface SlotMarkUsedContext<SI extends SlotInfo> {
  slotInfo: SI;
  permit: SlotPermit;
}

/** Context of releasing a slot. */
export interface SlotReleaseContext<SI extends SlotInfo> {
  slotInfo?: SI;
  permit: SlotPermit;
}

/** The fixed slot counts of a tuner, or an error naming what Kairos does not support. */
export function fixedSlotsOf(tuner: WorkerTuner): {
  workflow: number;
  activity: number;
  localActivity: number;
  nexus: number;
} {
  if (!('workflowTaskSlotSupplier' in tuner)) {
    throw new TypeError('not implemented: resource-based WorkerOptions.tuner (use fixed-size slot suppliers)');
  }
  const count = (name: string, supplier: SlotSupplier<SlotInfo>): number => {
    if (supplier?.type !== 'fixed-size') {
      throw new TypeError(
        `not implemented: ${name} of type '${String(supplier?.type)}' (only 'fixed-size' is supported)`,
      );
    }
    if (!Number.isInteger(supplier.numSlots) || supplier.numSlots < 1) {
      throw new TypeError(`${name}.numSlots must be an integer >= 1, got ${String(supplier.numSlots)}`);
    }
    return supplier.numSlots;
  };
  return {
    workflow: count('workflowTaskSlotSupplier', tuner.workflowTaskSlotSupplier),
    activity: count('activityTaskSlotSupplier', tuner.activityTaskSlotSupplier),
    localActivity: count('localActivityTaskSlotSupplier', tuner.localActivityTaskSlotSupplier),
    nexus: count('nexusTaskSlotSupplier', tuner.nexusTaskSlotSupplier),
  };
}
