import { temporal } from '../internal/proto';
import { enums, IPayload, msDuration, msTimestamp } from '../internal/proto';
import { failedPrecondition, invalidArgument, notFound } from '../errors';
import { decodePageToken, encodePageToken } from '../internal/page-token';
import { Matching } from '../matching/matching';
import {
  DEPLOYMENT_RECORD,
  DeploymentRecord,
  routingConfig,
  VersionRecord,
  VersionRef,
  versionInfo,
  versionKey,
  versionProto,
  versionString,
  versionStatus,
  versionSummary,
} from './deployment-records';
import { DEFAULT_PRIORITY_KEY, parseVersionString, requestedVersion, TQT, VersionRouting } from './version-routing';

/**
 * The worker deployment RPCs over the deployments that versioned workers' polls create: describe and list them,
 * set their current and ramping versions, delete versions and deployments, and update version metadata.
 */
export class WorkerDeployments extends VersionRouting {
  describe(
    req: temporal.api.workflowservice.v1.IDescribeWorkerDeploymentRequest,
  ): temporal.api.workflowservice.v1.IDescribeWorkerDeploymentResponse {
    const d = this.existing(req.namespace!, req.deploymentName);
    return { conflictToken: this.conflictToken(d), workerDeploymentInfo: this.info(d) };
  }

  private summaries(d: DeploymentRecord) {
    return Object.values(d.versions)
      .sort((a, b) => b.createTime - a.createTime)
      .map((v) => versionSummary(d, v, this.drainage(d, v)));
  }

  private info(d: DeploymentRecord): temporal.api.deployment.v1.IWorkerDeploymentInfo {
    return {
      name: d.name,
      versionSummaries: this.summaries(d),
      createTime: msTimestamp(d.createTime),
      routingConfig: routingConfig(d),
      lastModifierIdentity: d.lastModifierIdentity,
      routingConfigUpdateState: enums.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_COMPLETED,
    };
  }

  list(
    req: temporal.api.workflowservice.v1.IListWorkerDeploymentsRequest,
  ): temporal.api.workflowservice.v1.IListWorkerDeploymentsResponse {
    const all = [...this.deployments.values()]
      .filter((d) => d.namespace === req.namespace)
      .sort((a, b) => b.createTime - a.createTime);
    const size = req.pageSize && req.pageSize > 0 ? req.pageSize : 1000;
    const offset = decodePageToken(req.nextPageToken);
    return {
      workerDeployments: all.slice(offset, offset + size).map((d) => {
        const summaries = this.summaries(d);
        const byBuild = (buildId: string | null | undefined) =>
          buildId == null ? null : (summaries.find((x) => x.deploymentVersion?.buildId === buildId) ?? null);
        return {
          name: d.name,
          createTime: msTimestamp(d.createTime),
          routingConfig: routingConfig(d),
          latestVersionSummary: summaries[0] ?? null,
          currentVersionSummary: byBuild(d.current),
          rampingVersionSummary: byBuild(d.ramping?.buildId),
        };
      }),
      nextPageToken: offset + size < all.length ? encodePageToken(offset + size) : Buffer.alloc(0),
    };
  }

  /** The build id a routing RPC names (empty: unversioned), checked against the deployment's versions. */
  private requestedBuild(
    d: DeploymentRecord,
    req: { buildId?: string | null; version?: string | null },
  ): string | null {
    const buildId = this.namedBuild(req);
    if (buildId === null) return null;
    if (!d.versions[buildId]) throw notFound(`build ID '${buildId}' not found in Worker Deployment '${d.name}'`);
    return buildId;
  }

  /**
   * With `allow_no_pollers`, a routing RPC may name a version no worker has polled yet: the real server then creates
   * the deployment and the version (with no task queues; its workers add them when they poll).
   */
  private createUnpolled(namespace: string, deploymentName: string | null | undefined, buildId: string | null): void {
    if (!deploymentName || !buildId || this.get(namespace, deploymentName)?.versions[buildId]) return;
    this.engine.tx((tx) => {
      const deployment: DeploymentRecord = this.get(namespace, deploymentName) ?? {
        namespace,
        name: deploymentName,
        createTime: tx.now,
        current: null,
        revision: 0,
        lastModifierIdentity: '',
        versions: {},
      };
      deployment.versions[buildId] = { buildId, createTime: tx.now, taskQueues: [], metadata: {} };
      this.deployments.set(this.key(namespace, deploymentName), deployment);
      this.save(tx, deployment);
    });
  }

  /** The build id a routing request names, before checking it against a deployment (null: unversioned). */
  private namedBuild(req: { buildId?: string | null; version?: string | null }): string | null {
    if (req.buildId) return req.buildId;
    if (req.version && req.version !== '__unversioned__') return parseVersionString(req.version).buildId;
    return null;
  }

  setCurrent(
    req: temporal.api.workflowservice.v1.ISetWorkerDeploymentCurrentVersionRequest,
  ): temporal.api.workflowservice.v1.ISetWorkerDeploymentCurrentVersionResponse {
    if (req.allowNoPollers) this.createUnpolled(req.namespace!, req.deploymentName, this.namedBuild(req));
    const d = this.existing(req.namespace!, req.deploymentName);
    this.checkConflictToken(d, req.conflictToken);
    const buildId = this.requestedBuild(d, req);
    const previous = d.current === null ? null : { deploymentName: d.name, buildId: d.current };
    const response = {
      previousVersion: versionString(previous),
      previousDeploymentVersion: versionProto(previous),
    };
    if (d.current === buildId) return { ...response, conflictToken: this.conflictToken(d) };
    this.engine.tx((tx) => {
      const now = tx.now;
      if (d.current !== null && d.versions[d.current]) {
        const old = d.versions[d.current];
        old.lastDeactivationTime = now;
        old.currentSinceTime = undefined;
        old.routingUpdateTime = now;
      }
      d.current = buildId;
      d.currentChangedTime = now;
      if (buildId !== null) {
        const v = d.versions[buildId];
        v.currentSinceTime = now;
        v.lastCurrentTime = now;
        v.firstActivationTime ??= now;
        v.routingUpdateTime = now;
        v.rampingSinceTime = undefined;
        v.lastDeactivationTime = undefined;
      }
      // The version that becomes current stops ramping.
      if (d.ramping && d.ramping.buildId === buildId) {
        d.ramping = undefined;
        d.rampingChangedTime = now;
        d.rampingPercentageChangedTime = now;
      }
      d.revision += 1;
      d.lastModifierIdentity = req.identity ?? '';
      this.save(tx, d);
    });
    this.reroute(d.namespace);
    return { ...response, conflictToken: this.conflictToken(d) };
  }

  setRamping(
    req: temporal.api.workflowservice.v1.ISetWorkerDeploymentRampingVersionRequest,
  ): temporal.api.workflowservice.v1.ISetWorkerDeploymentRampingVersionResponse {
    const percentage = req.percentage ?? 0;
    if (!(percentage >= 0 && percentage <= 100)) {
      throw invalidArgument('Percentage must be between 0 and 100 (inclusive)');
    }
    if (!req.deploymentName) {
      throw invalidArgument(`invalid version string: deployment name is empty in version string .${req.buildId ?? ''}`);
    }
    if (req.allowNoPollers) this.createUnpolled(req.namespace!, req.deploymentName, this.namedBuild(req));
    const d = this.existing(req.namespace!, req.deploymentName);
    this.checkConflictToken(d, req.conflictToken);
    const buildId = this.requestedBuild(d, req);
    if (buildId !== null && buildId === d.current) {
      throw failedPrecondition(
        `requested ramping version ${versionString({ deploymentName: d.name, buildId })} is already current`,
      );
    }
    const previous =
      d.ramping && d.ramping.buildId !== null ? { deploymentName: d.name, buildId: d.ramping.buildId } : null;
    const response = {
      previousVersion: d.ramping ? versionString(previous) : '',
      previousDeploymentVersion: versionProto(previous),
      previousPercentage: d.ramping?.percentage ?? 0,
    };
    // No build id and no share stops ramping.
    const unset = buildId === null && percentage === 0;
    this.engine.tx((tx) => {
      const now = tx.now;
      const old = d.ramping?.buildId != null ? d.versions[d.ramping.buildId] : undefined;
      if (old && (unset || old.buildId !== buildId)) {
        old.rampingSinceTime = undefined;
        old.lastDeactivationTime = now;
        old.routingUpdateTime = now;
      }
      if (unset) {
        d.ramping = undefined;
      } else {
        if (d.ramping?.buildId !== buildId) d.rampingChangedTime = now;
        d.ramping = { buildId, percentage };
        if (buildId !== null) {
          const v = d.versions[buildId];
          v.rampingSinceTime ??= now;
          v.firstActivationTime ??= now;
          v.routingUpdateTime = now;
          v.lastDeactivationTime = undefined;
        }
      }
      if (unset) d.rampingChangedTime = now;
      d.rampingPercentageChangedTime = now;
      d.revision += 1;
      d.lastModifierIdentity = req.identity ?? '';
      this.save(tx, d);
    });
    this.reroute(d.namespace);
    return { ...response, conflictToken: this.conflictToken(d) };
  }

  private existingVersion(namespace: string, ref: VersionRef): { d: DeploymentRecord; v: VersionRecord } {
    const d = this.get(namespace, ref.deploymentName);
    const v = d?.versions[ref.buildId];
    if (!d || !v) throw notFound('Worker Deployment Version not found');
    return { d, v };
  }

  describeVersion(
    req: temporal.api.workflowservice.v1.IDescribeWorkerDeploymentVersionRequest,
  ): temporal.api.workflowservice.v1.IDescribeWorkerDeploymentVersionResponse {
    const ref = requestedVersion(req);
    const { d, v } = this.existingVersion(req.namespace!, ref);
    return {
      workerDeploymentVersionInfo: versionInfo(d, v, this.drainage(d, v)),
      versionTaskQueues: v.taskQueues.map((q) => {
        const key = this.partition(
          Matching.queueKey(d.namespace, q.type === TQT.TASK_QUEUE_TYPE_WORKFLOW ? 'workflow' : 'activity', q.name),
          ref,
        );
        // Backlog count and age are measured; add and dispatch rates are not tracked (left 0). Every task has the
        // default priority, so the stats by priority key are the same under its key.
        const stats: temporal.api.taskqueue.v1.ITaskQueueStats | null = req.reportTaskQueueStats
          ? {
              approximateBacklogCount: this.ctx.matching.backlog(key),
              approximateBacklogAge: msDuration(this.ctx.matching.backlogAgeMs(key)),
            }
          : null;
        return {
          name: q.name,
          type: q.type,
          stats,
          statsByPriorityKey: stats ? { [String(DEFAULT_PRIORITY_KEY)]: stats } : {},
        };
      }),
    };
  }

  deleteVersion(req: temporal.api.workflowservice.v1.IDeleteWorkerDeploymentVersionRequest): void {
    const ref = requestedVersion(req);
    const { d, v } = this.existingVersion(req.namespace!, ref);
    if (d.current === ref.buildId || d.ramping?.buildId === ref.buildId) {
      throw failedPrecondition(`version '${versionKey(ref)}' cannot be deleted since it is current or ramping`);
    }
    const draining =
      versionStatus(d, v, this.drainage(d, v)) ===
      enums.WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING;
    if (!req.skipDrainage && draining) {
      throw failedPrecondition(`version '${versionKey(ref)}' cannot be deleted since it is draining`);
    }
    if (this.hasActivePollers(d.namespace, ref)) {
      throw failedPrecondition(`version '${versionKey(ref)}' cannot be deleted since it has active pollers`);
    }
    this.engine.tx((tx) => {
      delete d.versions[ref.buildId];
      d.lastModifierIdentity = req.identity ?? '';
      this.save(tx, d);
    });
    for (const [k, name] of this.queueOwners)
      if (name === d.name && k.startsWith(`${d.namespace}\u0000`)) this.queueOwners.delete(k);
    this.indexQueues(d);
  }

  deleteDeployment(req: temporal.api.workflowservice.v1.IDeleteWorkerDeploymentRequest): void {
    if (!req.deploymentName) throw invalidArgument('deployment name cannot be empty');
    const d = this.get(req.namespace!, req.deploymentName);
    if (!d) return;
    if (Object.keys(d.versions).length > 0) throw failedPrecondition("deployment has versions, can't be deleted");
    this.engine.tx((tx) => {
      this.deployments.delete(this.key(d.namespace, d.name));
      tx.putRecord(DEPLOYMENT_RECORD, this.key(d.namespace, d.name), null);
    });
  }

  updateMetadata(
    req: temporal.api.workflowservice.v1.IUpdateWorkerDeploymentVersionMetadataRequest,
  ): temporal.api.workflowservice.v1.IUpdateWorkerDeploymentVersionMetadataResponse {
    const upserts = req.upsertEntries ?? {};
    const removals = req.removeEntries ?? [];
    if (Object.keys(upserts).length === 0 && removals.length === 0) {
      throw invalidArgument('At least one of remove_entries or upsert_entries must be provided');
    }
    const { d, v } = this.existingVersion(req.namespace!, requestedVersion(req));
    this.engine.tx((tx) => {
      for (const [k, payload] of Object.entries(upserts)) v.metadata[k] = payload as IPayload;
      for (const k of removals) delete v.metadata[k];
      d.lastModifierIdentity = req.identity ?? '';
      this.save(tx, d);
    });
    return { metadata: { entries: v.metadata } };
  }
}
