import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@kairos/client';
import { type DevServer, startDevServer } from '@kairos/dev-server';
import { NativeConnection } from '@kairos/worker';
import { loadClientConnectConfig } from '../src';

let server: DevServer;
let dir: string;
beforeAll(async () => {
  server = await startDevServer({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-envconfig-connect-'));
});
afterAll(async () => {
  await server.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('connects a client and a native connection with what a profile file and the variables say', async () => {
  const file = path.join(dir, 'temporal.toml');
  fs.writeFileSync(file, `[profile.local]\naddress = "${server.address}"\nnamespace = "wrong"\n`);
  const { connectionOptions, namespace } = loadClientConnectConfig({
    overrideEnvVars: { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'local', TEMPORAL_NAMESPACE: 'default' },
  });
  expect(namespace).toBe('default');

  const connection = await Connection.connect(connectionOptions);
  try {
    const client = new Client({ connection, namespace });
    const { namespaceInfo } = await client.workflowService.describeNamespace({ namespace });
    expect(namespaceInfo?.name).toBe('default');
  } finally {
    await connection.close();
  }

  const native = await NativeConnection.connect(connectionOptions);
  try {
    const { namespaceInfo } = await native.workflowService.describeNamespace({ namespace });
    expect(namespaceInfo?.name).toBe('default');
  } finally {
    await native.close();
  }
});
