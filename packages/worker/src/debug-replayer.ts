import type { ReplayWorkerOptions } from './worker-options';

/** Replays a history for the VS Code debugger extension. Not implemented in Kairos: throws. */
export async function startDebugReplayer(_options: ReplayWorkerOptions): Promise<void> {
  throw new Error('not implemented: startDebugReplayer (the VS Code debug replayer)');
}
