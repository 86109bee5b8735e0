import { temporal } from '../internal/proto';

type WorkerHeartbeat = temporal.api.worker.v1.IWorkerHeartbeat;

/** Workers remembered per namespace; the least recently heard from are forgotten beyond this. */
const MAX_WORKERS_PER_NAMESPACE = 1000;

/**
 * The last heartbeat of each worker (RecordWorkerHeartbeat, and the final one a worker sends with
 * ShutdownWorker), in memory only: like pollers, workers are live state that a restart forgets.
 */
export class WorkerHeartbeats {
  private readonly byNamespace = new Map<string, Map<string, WorkerHeartbeat>>();

  /** A worker is known by its instance key; heartbeats without one fall back to identity and task queue. */
  private static key(hb: WorkerHeartbeat): string {
    return hb.workerInstanceKey || `${hb.workerIdentity ?? ''}\u0000${hb.taskQueue ?? ''}`;
  }

  record(namespace: string, heartbeat: WorkerHeartbeat): void {
    let workers = this.byNamespace.get(namespace);
    if (!workers) {
      workers = new Map();
      this.byNamespace.set(namespace, workers);
    }
    const key = WorkerHeartbeats.key(heartbeat);
    // Re-inserting keeps the map in order of the last heartbeat, oldest first.
    workers.delete(key);
    workers.set(key, heartbeat);
    if (workers.size > MAX_WORKERS_PER_NAMESPACE) workers.delete(workers.keys().next().value!);
  }

  /** The last heartbeat of each worker of a namespace, least recently heard from first. */
  list(namespace: string): WorkerHeartbeat[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }
}
