// The worker deployment RPCs: describe and list deployments, set their current and ramping versions, describe,
// delete and annotate versions, and delete deployments (see deployments/worker-deployments.ts).
import * as grpc from '@grpc/grpc-js';
import { temporal } from '../internal/proto';
import type { ServerContext } from '../server-context';
import { ServiceError } from '../errors';
import { WorkflowServiceHandlers } from './service-definition';

type WS = typeof temporal.api.workflowservice.v1;
type Req<K extends keyof WS> = WS[K] extends { create(p?: infer P): unknown } ? P : never;

/** Handlers of the worker deployment RPCs. */
export function workerDeploymentHandlers(ctx: ServerContext): WorkflowServiceHandlers {
  const { engine, deployments } = ctx;
  /** Checks the namespace and that deployments are on (`system.enableDeploymentVersions`). */
  const check = (namespace: string | null | undefined) => {
    engine.namespace(namespace ?? '');
    if (!engine.config.bool('system.enableDeploymentVersions')) {
      throw new ServiceError(
        grpc.status.FAILED_PRECONDITION,
        'worker deployments are disabled on this server (dynamic config system.enableDeploymentVersions=false)',
      );
    }
  };
  return {
    DescribeWorkerDeployment: (req: Req<'DescribeWorkerDeploymentRequest'>) => {
      check(req.namespace);
      return deployments.describe(req);
    },
    ListWorkerDeployments: (req: Req<'ListWorkerDeploymentsRequest'>) => {
      check(req.namespace);
      return deployments.list(req);
    },
    SetWorkerDeploymentCurrentVersion: (req: Req<'SetWorkerDeploymentCurrentVersionRequest'>) => {
      check(req.namespace);
      return deployments.setCurrent(req);
    },
    SetWorkerDeploymentRampingVersion: (req: Req<'SetWorkerDeploymentRampingVersionRequest'>) => {
      check(req.namespace);
      return deployments.setRamping(req);
    },
    DescribeWorkerDeploymentVersion: (req: Req<'DescribeWorkerDeploymentVersionRequest'>) => {
      check(req.namespace);
      return deployments.describeVersion(req);
    },
    DeleteWorkerDeploymentVersion: (req: Req<'DeleteWorkerDeploymentVersionRequest'>) => {
      check(req.namespace);
      deployments.deleteVersion(req);
      return {};
    },
    DeleteWorkerDeployment: (req: Req<'DeleteWorkerDeploymentRequest'>) => {
      check(req.namespace);
      deployments.deleteDeployment(req);
      return {};
    },
    UpdateWorkerDeploymentVersionMetadata: (req: Req<'UpdateWorkerDeploymentVersionMetadataRequest'>) => {
      check(req.namespace);
      return deployments.updateMetadata(req);
    },
  };
}
