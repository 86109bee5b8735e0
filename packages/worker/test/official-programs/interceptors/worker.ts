import { defaultPayloadConverter } from '@temporalio/common';
import {
  NativeConnection,
  Worker,
  type ActivityExecuteInput,
  type ActivityInboundCallsInterceptor,
  type Next,
} from '@temporalio/worker';
import * as activities from './activities';
import { SCHEDULED_BY_HEADER } from './workflow-interceptors';

/** Passes the `scheduled-by` header to the activity as its last argument. */
class ScheduledByInbound implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const header = input.headers[SCHEDULED_BY_HEADER];
    const scheduledBy = header ? defaultPayloadConverter.fromPayload<string>(header) : undefined;
    return next({ ...input, args: [...input.args, scheduledBy] });
  }
}

/** Runs a worker with workflow and activity interceptors until `clientProgram` settles. */
export async function runWorker<R>(address: string, taskQueue: string, clientProgram: () => Promise<R>): Promise<R> {
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities,
      interceptors: {
        workflowModules: [require.resolve('./workflow-interceptors')],
        activity: [() => ({ inbound: new ScheduledByInbound() })],
      },
    });
    return await worker.runUntil(clientProgram);
  } finally {
    await connection.close();
  }
}
