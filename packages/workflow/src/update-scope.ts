import { AsyncLocalStorage } from './async-context';

export { AsyncLocalStorage } from './async-context';

/** Options of {@link UpdateScope}. */
export interface UpdateScopeOptions {
  /** The update id. */
  id: string;
  /** The update name. */
  name: string;
}

const storage = new AsyncLocalStorage<UpdateScope>();

/** Tracks which update a piece of code runs for, so `currentUpdateInfo()` can answer. */
export class UpdateScope {
  public readonly id: string;
  public readonly name: string;

  constructor(options: UpdateScopeOptions) {
    this.id = options.id;
    this.name = options.name;
  }

  /** Runs `fn` inside this scope. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return storage.run(this, fn);
  }

  /** The update the running code handles, if any. */
  static current(): UpdateScope | undefined {
    return storage.getStore();
  }

  /** Runs `fn` inside a new scope for the update `id`/`name`. */
  static updateWithInfo<T>(id: string, name: string, fn: () => Promise<T>): Promise<T> {
    return new UpdateScope({ id, name }).run(fn);
  }

  /** Runs a synchronous `fn` (an update validator) inside a new scope. */
  static runSync<T>(id: string, name: string, fn: () => T): T {
    return storage.run(new UpdateScope({ id, name }), fn);
  }
}
