/** A task waiting in a queue. The engine validates it when a poller takes it: stale tasks are skipped. */
export interface TaskRef {
  /** Unique per dispatch (run, task kind, sequence): the same task is never queued twice. */
  key: string;
  /** Run id (or query id) the task belongs to. */
  owner: string;
  kind: 'workflow' | 'activity' | 'query' | 'standalone-activity' | 'nexus';
}

/** Turns a task into a poll response, or returns undefined when the task is no longer valid. */
export type TaskStarter<R> = (task: TaskRef, identity: string) => R | undefined;

interface Poller {
  identity: string;
  /** The worker process's key (`worker_instance_key`), so that its shutdown can end its polls. */
  instanceKey: string;
  start: TaskStarter<object>;
  resolve: (response: object | undefined) => void;
  timer: NodeJS.Timeout;
  /** Whether the caller has gone (cancelled, or past its deadline): it must not be handed a task. */
  gone: () => boolean;
}

/** What a poll knows of its caller. */
export interface PollCaller {
  onCancel(cb: () => void): void;
  /** Whether the caller has gone already. */
  cancelled?(): boolean;
  /** `worker_instance_key` of the polling worker. */
  instanceKey?: string;
}

/** A worker that polled a queue: when it last did, and the build id it announced. */
export interface PollerRecord {
  identity: string;
  lastAccessTime: number;
  buildId?: string;
  useVersioning?: boolean;
}

interface Queue {
  tasks: TaskRef[];
  head: number;
  /** Queued task keys → when they were queued (for the backlog age). */
  keys: Map<string, number>;
  pollers: Poller[];
  lastPollers: Map<string, PollerRecord>;
}

export type QueueKind = 'workflow' | 'activity' | 'nexus';

/**
 * Task queues with long polls. Tasks are references to server state (derived from it after every
 * change, and again after a restart), so nothing here is persisted.
 */
export class Matching {
  private readonly queues = new Map<string, Queue>();
  private closed = false;

  static queueKey(namespace: string, kind: QueueKind, name: string): string {
    return `${namespace}\u0000${kind}\u0000${name}`;
  }

  private queue(key: string): Queue {
    let q = this.queues.get(key);
    if (!q) {
      q = { tasks: [], head: 0, keys: new Map(), pollers: [], lastPollers: new Map() };
      this.queues.set(key, q);
    }
    return q;
  }

  /** Queues a task unless it is already queued, handing it to a waiting poller when there is one. */
  add(queueKey: string, task: TaskRef): void {
    const q = this.queue(queueKey);
    if (q.keys.has(task.key)) return;
    q.keys.set(task.key, Date.now());
    q.tasks.push(task);
    this.dispatch(q);
  }

  has(queueKey: string, taskKey: string): boolean {
    return this.queues.get(queueKey)?.keys.has(taskKey) ?? false;
  }

  /**
   * Waits up to `timeoutMs` for a task; resolves to undefined on timeout or when `signal` aborts
   * (the client went away), so no task is handed to a caller that cannot receive it.
   */
  poll(
    queueKey: string,
    identity: string,
    start: TaskStarter<object>,
    timeoutMs: number,
    signal: PollCaller,
    version?: { buildId?: string | null; useVersioning?: boolean | null } | null,
  ): Promise<object | undefined> {
    const q = this.queue(queueKey);
    q.lastPollers.set(identity, {
      identity,
      lastAccessTime: Date.now(),
      buildId: version?.buildId || undefined,
      useVersioning: version?.useVersioning || undefined,
    });
    const immediate = this.takeFor(q, identity, start);
    if (immediate || this.closed) return Promise.resolve(immediate);
    return new Promise((resolve) => {
      const poller: Poller = {
        identity,
        instanceKey: signal.instanceKey ?? '',
        gone: () => signal.cancelled?.() ?? false,
        start,
        resolve: (r) => {
          clearTimeout(poller.timer);
          resolve(r);
        },
        timer: setTimeout(() => this.removePoller(q, poller, undefined), timeoutMs),
      };
      q.pollers.push(poller);
      signal.onCancel(() => this.removePoller(q, poller, undefined));
    });
  }

  /** Ends every waiting poll with an empty response (server shutdown). */
  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) {
      for (const p of q.pollers.splice(0)) p.resolve(undefined);
    }
  }

  /**
   * Ends waiting polls on one queue with empty responses (worker shutdown of a sticky queue), or only those of one
   * worker (by its `worker_instance_key`).
   */
  releasePollers(queueKey: string, instanceKey?: string): void {
    const q = this.queues.get(queueKey);
    if (!q) return;
    const released = instanceKey === undefined ? q.pollers : q.pollers.filter((p) => p.instanceKey === instanceKey);
    q.pollers = instanceKey === undefined ? [] : q.pollers.filter((p) => p.instanceKey !== instanceKey);
    for (const p of released) p.resolve(undefined);
  }

  /** Workers that polled a queue (for DescribeTaskQueue). */
  pollers(queueKey: string): PollerRecord[] {
    const q = this.queues.get(queueKey);
    return q ? [...q.lastPollers.values()] : [];
  }

  /** Every queue with tasks waiting, and how many. */
  backlogs(): Array<{ namespace: string; kind: string; taskQueue: string; count: number }> {
    const out: Array<{ namespace: string; kind: string; taskQueue: string; count: number }> = [];
    for (const [key, q] of this.queues) {
      const count = q.tasks.length - q.head;
      if (count === 0) continue;
      const [namespace, kind, taskQueue] = key.split('\u0000');
      out.push({ namespace, kind, taskQueue, count });
    }
    return out;
  }

  backlog(queueKey: string): number {
    const q = this.queues.get(queueKey);
    return q ? q.tasks.length - q.head : 0;
  }

  /** How long the oldest queued task of a queue has waited (0 when none waits). */
  backlogAgeMs(queueKey: string): number {
    const q = this.queues.get(queueKey);
    const oldest = q && q.head < q.tasks.length ? q.keys.get(q.tasks[q.head].key) : undefined;
    return oldest === undefined ? 0 : Math.max(0, Date.now() - oldest);
  }

  private removePoller(q: Queue, poller: Poller, response: object | undefined): void {
    const i = q.pollers.indexOf(poller);
    if (i < 0) return;
    q.pollers.splice(i, 1);
    poller.resolve(response);
  }

  private takeFor(q: Queue, identity: string, start: TaskStarter<object>): object | undefined {
    while (q.head < q.tasks.length) {
      const task = q.tasks[q.head++];
      q.keys.delete(task.key);
      this.compact(q);
      const response = start(task, identity);
      if (response) return response;
    }
    return undefined;
  }

  private dispatch(q: Queue): void {
    while (q.pollers.length > 0 && q.head < q.tasks.length) {
      // Taken off the list first: starting a task may queue more work and dispatch re-entrantly.
      const poller = q.pollers.shift() as Poller;
      if (poller.gone()) {
        // Its caller left: a task handed to it would be lost until it timed out.
        poller.resolve(undefined);
        continue;
      }
      const response = this.takeFor(q, poller.identity, poller.start);
      if (!response) {
        q.pollers.unshift(poller);
        return;
      }
      poller.resolve(response);
    }
  }

  private compact(q: Queue): void {
    if (q.head > 1024 && q.head * 2 > q.tasks.length) {
      q.tasks = q.tasks.slice(q.head);
      q.head = 0;
    }
  }
}
