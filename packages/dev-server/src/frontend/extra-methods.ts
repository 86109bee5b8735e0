import * as protobuf from 'protobufjs';

/**
 * RPCs the Temporal CLI calls that `@kairos/proto`'s subset of the API does not define (yet). Their messages are
 * declared here with upstream's names and field numbers, so they are the same on the wire; the server adds them to
 * the services of the schema.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
      },
    },
    temporal: {
      nested: {
        api: {
          nested: {
            taskqueue: {
              nested: {
                v1: {
                  nested: {
                    TaskQueue: {
                      fields: {
                        name: { type: 'string', id: 1 },
                        kind: { type: 'int32', id: 2 },
                        normalName: { type: 'string', id: 3 },
                      },
                    },
                    TaskQueuePartitionMetadata: {
                      fields: { key: { type: 'string', id: 1 }, ownerHostName: { type: 'string', id: 2 } },
                    },
                  },
                },
              },
            },
            workflowservice: {
              nested: {
                v1: {
                  nested: {
                    ListTaskQueuePartitionsRequest: {
                      fields: {
                        namespace: { type: 'string', id: 1 },
                        taskQueue: { type: 'temporal.api.taskqueue.v1.TaskQueue', id: 2 },
                      },
                    },
                    ListTaskQueuePartitionsResponse: {
                      fields: {
                        activityTaskQueuePartitions: {
                          rule: 'repeated',
                          type: 'temporal.api.taskqueue.v1.TaskQueuePartitionMetadata',
                          id: 1,
                        },
                        workflowTaskQueuePartitions: {
                          rule: 'repeated',
                          type: 'temporal.api.taskqueue.v1.TaskQueuePartitionMetadata',
                          id: 2,
                        },
                      },
                    },
                  },
                },
              },
            },
            operatorservice: {
              nested: {
                v1: {
                  nested: {
                    DeleteNamespaceRequest: {
                      fields: {
                        namespace: { type: 'string', id: 1 },
                        namespaceId: { type: 'string', id: 2 },
                        namespaceDeleteDelay: { type: 'google.protobuf.Duration', id: 3 },
                      },
                    },
                    DeleteNamespaceResponse: { fields: { deletedNamespace: { type: 'string', id: 1 } } },
                    ListClustersRequest: {
                      fields: { pageSize: { type: 'int32', id: 1 }, nextPageToken: { type: 'bytes', id: 2 } },
                    },
                    ClusterMetadata: {
                      fields: {
                        clusterName: { type: 'string', id: 1 },
                        clusterId: { type: 'string', id: 2 },
                        address: { type: 'string', id: 3 },
                        initialFailoverVersion: { type: 'int64', id: 4 },
                        historyShardCount: { type: 'int32', id: 5 },
                        isConnectionEnabled: { type: 'bool', id: 6 },
                        httpAddress: { type: 'string', id: 7 },
                        isReplicationEnabled: { type: 'bool', id: 8 },
                      },
                    },
                    ListClustersResponse: {
                      fields: {
                        clusters: { rule: 'repeated', type: 'ClusterMetadata', id: 1 },
                        nextPageToken: { type: 'bytes', id: 4 },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});

/** An RPC of a service that the schema lacks: its name and message types. */
export interface ExtraMethod {
  name: string;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
}

function method(service: string, name: string): ExtraMethod {
  return {
    name,
    requestType: root.lookupType(`${service}.${name}Request`),
    responseType: root.lookupType(`${service}.${name}Response`),
  };
}

/** The extra RPCs, by full service name. */
export const EXTRA_METHODS: Record<string, ExtraMethod[]> = {
  'temporal.api.workflowservice.v1.WorkflowService': [
    method('temporal.api.workflowservice.v1', 'ListTaskQueuePartitions'),
  ],
  'temporal.api.operatorservice.v1.OperatorService': [
    method('temporal.api.operatorservice.v1', 'DeleteNamespace'),
    method('temporal.api.operatorservice.v1', 'ListClusters'),
  ],
};

/** Request and response shapes of the extra RPCs, for their handlers. */
export interface DeleteNamespaceRequest {
  namespace?: string;
  namespaceId?: string;
}
export interface ListTaskQueuePartitionsRequest {
  namespace?: string;
  taskQueue?: { name?: string } | null;
}
