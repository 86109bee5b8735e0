import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { replayWithCurrentCode } from './replayer';
import { legacyQuote, quote } from './workflows';

export async function run(address: string, taskQueue: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const onV1 = await client.workflow.start(quote, {
      taskQueue: `${taskQueue}-v1`,
      workflowId: `v1-${randomUUID()}`,
      args: [100],
    });
    const onCurrent = await client.workflow.start(quote, { taskQueue, workflowId: `v2-${randomUUID()}`, args: [100] });
    const legacyV1 = await client.workflow.start(legacyQuote, {
      taskQueue: `${taskQueue}-v1`,
      workflowId: `legacy-v1-${randomUUID()}`,
      args: [5],
    });
    const legacyCurrent = await client.workflow.start(legacyQuote, {
      taskQueue,
      workflowId: `legacy-v2-${randomUUID()}`,
      args: [5],
    });
    const handles = [onV1, onCurrent, legacyV1, legacyCurrent];
    const results = await Promise.all(handles.map((h) => h.result()));

    const histories = await Promise.all(
      handles.map(async (h) => ({ workflowId: h.workflowId, history: await h.fetchHistory() })),
    );
    const markers = histories.map(
      ({ history }) =>
        (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length,
    );
    const replays = await replayWithCurrentCode(histories);
    const report = { results, markers, replayErrors: replays.map((r) => r.error?.message ?? null) };
    console.log(report);
    return report;
  } finally {
    await connection.close();
  }
}
