/**
 * {@link Client}: the high-level client, grouping the Workflow, Activity, Schedule, Task Queue and Nexus
 * sub-clients over one connection.
 *
 * @module
 */
import { ActivityClient } from './activity-client';
import type { BaseClientOptions, LoadedWithDefaults } from './base-client';
import { BaseClient, settleClientOptions } from './base-client';
import type { ClientInterceptors } from './interceptors';
import { NexusClient } from './nexus-client';
import { ScheduleClient } from './schedule-client';
import { TaskQueueClient } from './task-queue-client';
import type { QueryRejectCondition, WorkflowService } from './types';
import { WorkflowClient } from './workflow-client';

/** Options of a {@link Client}. */
export interface ClientOptions extends BaseClientOptions {
  /** Interceptors of the sub-clients' calls, e.g. to add headers or trace Workflow calls. */
  interceptors?: ClientInterceptors;
  /**
   * Plugins that may rewrite these options before the client is built, in order. Plugins registered on
   * the connection run after these.
   *
   * @experimental Plugins are experimental; their API may change.
   */
  plugins?: ClientPlugin[];
  /** Workflow client settings. */
  workflow?: {
    /**
     * When the server should refuse to run Queries against closed executions.
     *
     * @default `'NONE'`: closed executions can be queried
     */
    queryRejectCondition?: QueryRejectCondition;
  };
}

/** {@link ClientOptions} with defaults applied. */
export type LoadedClientOptions = LoadedWithDefaults<ClientOptions>;

/**
 * The high-level client: start and manage Workflows, Schedules and asynchronously completed Activities.
 *
 * @example
 * ```ts
 * const connection = await Connection.connect({ address: 'localhost:7233' });
 * const client = new Client({ connection, namespace: 'default' });
 * const result = await client.workflow.execute(greet, { args: ['Kairos'], taskQueue: 'hello', workflowId: 'greet-1' });
 * ```
 */
export class Client extends BaseClient {
  /** Options with defaults applied (after plugins). */
  readonly options: LoadedClientOptions;
  /** Starts and interacts with Workflows. */
  readonly workflow: WorkflowClient;
  /** Completes Activities asynchronously; standalone Activities are not implemented yet. */
  readonly activity: ActivityClient;
  /** Creates and manages Schedules. */
  readonly schedule: ScheduleClient;
  /**
   * Legacy build-id Worker Versioning (not implemented).
   *
   * @experimental
   */
  readonly taskQueue: TaskQueueClient;
  /**
   * Standalone Nexus operations (not implemented).
   *
   * @experimental
   */
  readonly nexus: NexusClient;

  /**
   * @throws TypeError if an option is malformed.
   */
  constructor(options?: ClientOptions) {
    const { settled, plugins } = runClientPlugins(options);
    const withPlugins: ClientOptions = { ...settled, plugins };
    super(withPlugins);

    const { interceptors, workflow: workflowSettings, ...common } = settled;
    const shared = { ...common, connection: this.connection, dataConverter: this.dataConverter };
    this.workflow = new WorkflowClient({
      ...shared,
      interceptors: interceptors?.workflow,
      queryRejectCondition: workflowSettings?.queryRejectCondition,
    });
    this.activity = new ActivityClient({ ...shared, interceptors: interceptors?.activity });
    this.schedule = new ScheduleClient({ ...shared, interceptors: interceptors?.schedule });
    this.taskQueue = new TaskQueueClient(shared);
    this.nexus = new NexusClient({ ...shared, interceptors: interceptors?.nexus });

    // Report what the sub-clients actually use, defaults included.
    this.options = {
      ...settleClientOptions<LoadedWithDefaults<BaseClientOptions>>(common, this.dataConverter),
      plugins,
      workflow: { queryRejectCondition: this.workflow.options.queryRejectCondition },
      interceptors: {
        workflow: this.workflow.options.interceptors,
        activity: interceptors?.activity ?? [],
        schedule: this.schedule.options.interceptors,
        nexus: this.nexus.options.interceptors,
      },
    };
  }

  /** Raw access to the `WorkflowService`. The client's namespace is not added to requests made through it. */
  get workflowService(): WorkflowService {
    return this.connection.workflowService;
  }
}

/**
 * A plugin that may change client options; see {@link ClientOptions.plugins}.
 *
 * @experimental Plugins are experimental; their API may change.
 */
export interface ClientPlugin {
  /** Name of the plugin. */
  get name(): string;
  /** Returns the options to use, given the options so far. Called by the {@link Client} constructor. */
  configureClient?(options: Omit<ClientOptions, 'plugins'>): Omit<ClientOptions, 'plugins'>;
}

/**
 * Collects the plugins of the options and of the connection (in that order, each once) and lets each one that
 * configures clients rewrite the options, handing every plugin a fresh copy of what the previous one returned.
 */
function runClientPlugins(options: ClientOptions | undefined): {
  settled: Omit<ClientOptions, 'plugins'>;
  plugins: ClientPlugin[];
} {
  const { plugins: own = [], ...initial } = options ?? {};
  // A plugin given to both the client and its connection is applied once.
  const plugins: ClientPlugin[] = [...new Set([...own, ...(initial.connection?.plugins ?? [])])];
  let settled: Omit<ClientOptions, 'plugins'> = initial;
  for (const plugin of plugins) {
    if (!plugin.configureClient) continue;
    // A plugin cannot change the plugin list itself: drop it should one come back.
    const { plugins: _ignored, ...next }: ClientOptions = plugin.configureClient({ ...settled });
    settled = next;
  }
  return { settled, plugins };
}
