import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { addItemSignal, applyCouponUpdate, cart, closeSignal, countOfQuery, itemsQuery } from './workflows';

export async function run(address: string, taskQueue: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const handle = await client.workflow.signalWithStart(cart, {
      taskQueue,
      workflowId: `cart-${randomUUID()}`,
      signal: addItemSignal,
      signalArgs: ['apple'],
    });
    await handle.signal(addItemSignal, 'pear');
    await handle.signal(addItemSignal, 'apple');
    const items = await handle.query(itemsQuery);
    const apples = await handle.query(countOfQuery, 'apple');

    const coupon = await handle.executeUpdate(applyCouponUpdate, { args: ['SAVE10'], updateId: 'coupon-1' });
    const rejected = await handle.executeUpdate(applyCouponUpdate, { args: ['bad code'] }).catch((err: unknown) => err);
    const rejection =
      rejected instanceof WorkflowUpdateFailedError ? `${rejected.name}: ${rejected.cause?.message}` : String(rejected);
    const started = await handle.startUpdate(applyCouponUpdate, {
      args: ['LATE5'],
      updateId: 'coupon-2',
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const late = await started.result();

    await handle.signal('giftWrap', true);
    const unknownQuery = await handle.query<string, [string]>('weight', 'kg');
    const unknownUpdate = await handle.executeUpdate<string, [number]>('setQuantity', { args: [3] });
    const metadata = await handle.query<{ definition?: { signalDefinitions?: object[]; queryDefinitions?: object[] } }>(
      '__temporal_workflow_metadata',
    );
    const stackTrace = await handle.query<string>('__stack_trace');

    await handle.signal(closeSignal);
    const result = await handle.result();
    const report = {
      items,
      apples,
      coupon,
      rejection,
      late,
      unknownQuery,
      unknownUpdate,
      signalDefinitions: metadata.definition?.signalDefinitions,
      queryDefinitions: metadata.definition?.queryDefinitions,
      stackTraceIsText: typeof stackTrace === 'string',
      result,
    };
    console.log(report);
    return report;
  } finally {
    await connection.close();
  }
}
