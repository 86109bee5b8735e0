import {
  defineQuery,
  setHandler,
  sleep,
  workflowInfo,
  type WorkflowInterceptorsFactory,
  proxyActivities,
} from '@kairos/workflow';
import type * as activities from '../activities';

const calls: string[] = [];

/** Interceptors of the workflows in this module (registered through `interceptors.workflowModules`). */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        calls.push(`execute(${JSON.stringify(input.args)})`);
        return `intercepted ${String(await next(input))}`;
      },
      async handleQuery(input, next) {
        calls.push(`query ${input.queryName}`);
        return next(input);
      },
    },
  ],
  outbound: [
    {
      async startTimer(input, next) {
        calls.push(`timer ${input.durationMs}`);
        return next(input);
      },
      async scheduleActivity(input, next) {
        calls.push(`activity ${input.activityType}`);
        return next({ ...input, headers: { ...input.headers } });
      },
      getLogAttributes(input, next) {
        return next({ ...input, intercepted: true });
      },
    },
  ],
  internals: [
    {
      activate(input, next) {
        calls.push(`activate ${input.activation.jobs?.length}`);
        return next(input);
      },
    },
  ],
});

export const callsQuery = defineQuery<string[]>('calls');

export async function intercepted(name: string): Promise<string> {
  setHandler(callsQuery, () => calls);
  await sleep(1);
  const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
  return `${await greet(name)} (${workflowInfo().workflowType})`;
}
