import type { ActivityDefinitionOptions, ActivityFunction } from '@kairos/common';

/**
 * Attaches definition options to an activity function, for instance the type information a worker uses to decode
 * the arguments and encode the result. Call it once, where the activity is defined; calling it again replaces the
 * options.
 *
 * @experimental
 */
// Activity arguments are whatever the activity declares; `any[]` keeps every function signature assignable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function setActivityOptions<Args extends any[], ReturnType>(
  options: ActivityDefinitionOptions,
  fn: ActivityFunction<Args, ReturnType>,
): void {
  Object.assign(fn, { activityDefinitionOptions: options });
}
