/** Nexus endpoints for tests: one per test, created through the OperatorService and deleted afterwards. */
import { randomUUID } from 'node:crypto';
import type { Connection } from '@kairos/client';
import type { temporal } from '@kairos/proto';

export interface TestEndpoint {
  name: string;
  id: string;
  taskQueue: string;
  delete(): Promise<void>;
}

/** Creates an endpoint named after the test that targets `taskQueue` in `namespace`. */
export async function createEndpoint(
  connection: Connection,
  taskQueue: string,
  namespace = 'default',
): Promise<TestEndpoint> {
  // Endpoint names: letters, digits and dashes, starting with a letter.
  const name = `ep-${randomUUID()}`;
  const response = await connection.operatorService.createNexusEndpoint({
    spec: { name, target: { worker: { namespace, taskQueue } } },
  });
  const endpoint = response.endpoint as temporal.api.nexus.v1.IEndpoint;
  return {
    name,
    id: endpoint.id!,
    taskQueue,
    async delete() {
      await connection.operatorService.deleteNexusEndpoint({ id: endpoint.id!, version: endpoint.version! });
    },
  };
}
