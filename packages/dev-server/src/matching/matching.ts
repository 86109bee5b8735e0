/** A task waiting in a queue. The engine validates it when a poller takes it: stale tasks are skipped. */
export interface TaskRef {
  /** Unique per dispatch (run, task kind, sequence): the same task is never queued twice. */
  key: string;
  /** Run id (or query id) the task belongs to. */
  owner: string;
  kind: 'workflow' | 'activity' | 'query';
}

/** Turns a task into a poll response, or returns undefined when the task is no longer valid. */
export type TaskStarter<R> = (task: TaskRef, identity: string) => R | undefined;

interface Poller {
  identity: string;
  start: TaskStarter<object>;
  resolve: (response: object | undefined) => void;
  timer: NodeJS.Timeout;
}

interface Queue {
  tasks: TaskRef[];
  head: number;
  keys: Set<string>;
  pollers: Poller[];
  lastPollers: Map<string, number>;
}

export type QueueKind = 'workflow' | 'activity';

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
      q = { tasks: [], head: 0, keys: new Set(), pollers: [], lastPollers: new Map() };
      this.queues.set(key, q);
    }
    return q;
  }

  /** Queues a task unless it is already queued, handing it to a waiting poller when there is one. */
  add(queueKey: string, task: TaskRef): void {
    const q = this.queue(queueKey);
    if (q.keys.has(task.key)) return;
    q.keys.add(task.key);
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
    signal: { onCancel(cb: () => void): void },
  ): Promise<object | undefined> {
    const q = this.queue(queueKey);
    q.lastPollers.set(identity, Date.now());
    const immediate = this.takeFor(q, identity, start);
    if (immediate || this.closed) return Promise.resolve(immediate);
    return new Promise((resolve) => {
      const poller: Poller = {
        identity,
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

  /** Ends waiting polls on one queue (worker shutdown of a sticky queue). */
  releasePollers(queueKey: string): void {
    const q = this.queues.get(queueKey);
    if (!q) return;
    for (const p of q.pollers.splice(0)) p.resolve(undefined);
  }

  /** Identities that polled a queue recently (for DescribeTaskQueue). */
  pollers(queueKey: string): Array<{ identity: string; lastAccessTime: number }> {
    const q = this.queues.get(queueKey);
    if (!q) return [];
    return [...q.lastPollers].map(([identity, lastAccessTime]) => ({ identity, lastAccessTime }));
  }

  backlog(queueKey: string): number {
    const q = this.queues.get(queueKey);
    return q ? q.tasks.length - q.head : 0;
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
