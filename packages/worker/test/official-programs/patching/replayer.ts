import { Worker, type History, type ReplayResult } from '@temporalio/worker';

/** Replays histories against the current workflow code. */
export async function replayWithCurrentCode(
  histories: Array<{ workflowId: string; history: History }>,
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('./workflows') }, histories)) {
    results.push(result);
  }
  return results;
}
