import type { ActivityFunction } from './interfaces';
import type { PayloadTypeInfo } from './type-info';

/**
 * Settings fixed once on an activity function, where it is defined.
 *
 * @experimental
 */
export interface ActivityDefinitionOptions {
  /** How the activity's arguments are decoded and its result encoded. */
  typeInfo?: PayloadTypeInfo;
}

type ActivityKeys<A> = {
  [K in keyof A & string]: A[K] extends ActivityFunction ? K : never;
}[keyof A & string];

/**
 * Type information for the activity functions of `A`, by name.
 *
 * @experimental
 */
export type ActivityTypeInfoMap<A> = Partial<Record<ActivityKeys<A>, PayloadTypeInfo>>;

/**
 * An activity function with definition options attached.
 *
 * @internal
 */
export interface ActivityFunctionWithOptions<
  Args extends unknown[] = unknown[],
  ReturnType = unknown,
> extends ActivityFunction<Args, ReturnType> {
  /** The attached options. */
  activityDefinitionOptions: ActivityDefinitionOptions;
}

/**
 * Whether `value` is a function with its own `activityDefinitionOptions` object.
 *
 * @internal
 */
export function isActivityFunctionWithOptions(value: unknown): value is ActivityFunctionWithOptions<never[], unknown> {
  if (typeof value !== 'function' || !Object.hasOwn(value, 'activityDefinitionOptions')) return false;
  const { activityDefinitionOptions } = value as unknown as { activityDefinitionOptions: unknown };
  return typeof activityDefinitionOptions === 'object' && activityDefinitionOptions !== null;
}
