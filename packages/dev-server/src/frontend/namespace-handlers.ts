import { temporal, durationMs, enums, msDuration } from '../internal/proto';
import { NamespaceRegistry, searchAttributeFields } from '../namespaces/namespace-registry';
import { invalidArgument, namespaceAlreadyExists, notFound } from '../errors';
import type { DynamicConfig } from '../config/dynamic-config';
import { WorkflowServiceHandlers } from './service-definition';
import { SYSTEM_SEARCH_ATTRIBUTES } from '../visibility/search-attributes';
import type { ServerContext } from '../server-context';

/** Server version reported by GetSystemInfo. */
export const SERVER_VERSION = '1.29.0';

/** The client versions the real server (1.x) says it supports, which GetClusterInfo reports as it does. */
const SUPPORTED_CLIENTS: Record<string, string> = {
  'Nexus-go-sdk': '<2.0.0',
  'temporal-cli': '<2.0.0',
  'temporal-go': '<2.0.0',
  'temporal-java': '<2.0.0',
  'temporal-php': '<2.0.0',
  'temporal-server': '<2.0.0',
  'temporal-typescript': '<2.0.0',
  'temporal-ui': '<3.0.0',
};

/** The name of the one cluster, as the real dev server names its own. */
export const CLUSTER_NAME = 'active';

function namespaceDescription(
  ns: ReturnType<NamespaceRegistry['get']> & object,
  config: DynamicConfig,
): temporal.api.workflowservice.v1.IDescribeNamespaceResponse {
  return {
    namespaceInfo: {
      name: ns.name,
      state: enums.NamespaceState.NAMESPACE_STATE_REGISTERED,
      description: ns.description,
      ownerEmail: ns.ownerEmail,
      data: ns.data,
      id: ns.id,
      // Worker heartbeats are accepted (and kept); worker commands are not offered, so workers poll no control queue.
      capabilities: {
        eagerWorkflowStart: config.bool('system.enableEagerWorkflowStart'),
        syncUpdate: true,
        asyncUpdate: true,
        workerHeartbeats: true,
        standaloneActivities: config.bool('activity.enableStandalone'),
        workerPollCompleteOnShutdown: config.bool('frontend.enableCancelWorkerPollsOnShutdown'),
      },
      limits: {
        blobSizeLimitError: config.number('limit.blobSize.error'),
        memoSizeLimitError: config.number('limit.memoSize.error'),
      },
      supportsSchedules: true,
    },
    config: {
      workflowExecutionRetentionTtl: msDuration(ns.retentionMs),
      badBinaries: { binaries: {} },
      historyArchivalState: enums.ArchivalState.ARCHIVAL_STATE_DISABLED,
      visibilityArchivalState: enums.ArchivalState.ARCHIVAL_STATE_DISABLED,
      customSearchAttributeAliases: Object.fromEntries(
        Object.entries(searchAttributeFields(ns)).map(([name, field]) => [field, name]),
      ),
    },
    // One local cluster, as the real dev server reports it (the CLI prints these fields). Namespaces created at
    // start have no replication state; registered ones are NORMAL.
    replicationConfig: {
      activeClusterName: CLUSTER_NAME,
      clusters: [{ clusterName: CLUSTER_NAME }],
      state: ns.registered ? enums.ReplicationState.REPLICATION_STATE_NORMAL : 0,
    },
    isGlobalNamespace: false,
    failoverVersion: 0,
    failoverHistory: [],
  };
}

/** WorkflowService handlers about the server and its namespaces: system and cluster info, namespaces, search attributes. */
export function namespaceHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine } = ctx;
  const ns = (name: string | null | undefined) => engine.namespace(name ?? '');
  /** A namespace's retention must be set and at least `system.namespaceMinRetentionLocal` (1 h). */
  const checkRetention = (retentionMs: number) => {
    if (retentionMs <= 0 || retentionMs < engine.config.durationMs('system.namespaceMinRetentionLocal')) {
      throw invalidArgument('A valid retention period is not set on request.');
    }
  };

  return {
    GetSystemInfo: () => ({
      serverVersion: SERVER_VERSION,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        supportsSchedules: true,
        encodedFailureAttributes: true,
        buildIdBasedVersioning: true,
        upsertMemo: true,
        eagerWorkflowStart: engine.config.bool('system.enableEagerWorkflowStart'),
        sdkMetadata: true,
        countGroupByExecutionStatus: true,
        nexus: true,
      },
    }),

    GetClusterInfo: () => ({
      supportedClients: SUPPORTED_CLIENTS,
      serverVersion: SERVER_VERSION,
      clusterId: ctx.clusterId,
      clusterName: CLUSTER_NAME,
      historyShardCount: 1,
      persistenceStore: ctx.options.dbFilename ? 'sqlite' : 'memory',
      visibilityStore: ctx.options.dbFilename ? 'sqlite' : 'memory',
      initialFailoverVersion: 1,
      failoverVersionIncrement: 10,
    }),

    // ---- namespaces ----
    DescribeNamespace: (req: temporal.api.workflowservice.v1.IDescribeNamespaceRequest) => {
      if (req.id) {
        const byId = engine.namespaces.getById(req.id);
        if (!byId) throw notFound(`Namespace with id ${req.id} is not found.`);
        return namespaceDescription(byId, engine.config);
      }
      if (!req.namespace) throw invalidArgument('Namespace not set on request.');
      return namespaceDescription(ns(req.namespace), engine.config);
    },
    RegisterNamespace: (req: temporal.api.workflowservice.v1.IRegisterNamespaceRequest) => {
      if (!req.namespace) throw invalidArgument('Namespace not set on request.');
      engine.limits.checkLength(req.namespace, 'Namespace length exceeds limit.');
      const retention = durationMs(req.workflowExecutionRetentionPeriod);
      checkRetention(retention);
      if (engine.namespaces.get(req.namespace)) throw namespaceAlreadyExists(req.namespace);
      ctx.registerNamespace(req.namespace, {
        description: req.description ?? '',
        ownerEmail: req.ownerEmail ?? '',
        data: { ...(req.data ?? {}) },
        retentionMs: retention || undefined,
        registered: true,
      });
      return {};
    },
    ListNamespaces: (req: temporal.api.workflowservice.v1.IListNamespacesRequest) => {
      const all = engine.namespaces.list();
      const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : 100;
      const start = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
      const page = all.slice(start, start + pageSize);
      const next = start + pageSize < all.length ? Buffer.from(String(start + pageSize)) : Buffer.alloc(0);
      return { namespaces: page.map((n) => namespaceDescription(n, engine.config)), nextPageToken: next };
    },
    UpdateNamespace: (req: temporal.api.workflowservice.v1.IUpdateNamespaceRequest) => {
      const record = ns(req.namespace);
      const updated = { ...record };
      if (req.updateInfo) {
        if (req.updateInfo.description) updated.description = req.updateInfo.description;
        if (req.updateInfo.ownerEmail) updated.ownerEmail = req.updateInfo.ownerEmail;
        if (req.updateInfo.data) updated.data = { ...updated.data, ...req.updateInfo.data };
      }
      if (req.config?.workflowExecutionRetentionTtl) {
        const retention = durationMs(req.config.workflowExecutionRetentionTtl);
        checkRetention(retention);
        updated.retentionMs = retention;
      }
      ctx.saveNamespace(updated);
      const d = namespaceDescription(updated, engine.config);
      return {
        namespaceInfo: d.namespaceInfo,
        config: d.config,
        replicationConfig: d.replicationConfig,
        isGlobalNamespace: false,
        failoverVersion: 0,
      };
    },

    GetSearchAttributes: () => {
      const keys: Record<string, number> = { ...SYSTEM_SEARCH_ATTRIBUTES };
      for (const n of engine.namespaces.list()) Object.assign(keys, n.searchAttributes);
      return { keys };
    },
  };
}
