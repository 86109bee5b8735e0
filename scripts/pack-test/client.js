// Run by the pack test in a folder where @kairos/client was installed from its tarball: starts a workflow on the
// server at argv[2] (no worker polls its task queue), sees it running, and terminates it.
'use strict';
const assert = require('node:assert/strict');
const { Client, Connection, WorkflowFailedError } = require('@kairos/client');

async function main() {
  const connection = await Connection.connect({ address: process.argv[2] });
  const client = new Client({ connection });
  const workflowId = `pack-test-${process.pid}`;
  const handle = await client.workflow.start('greet', { taskQueue: 'pack-test', workflowId, args: ['Kairos'] });
  const description = await handle.describe();
  assert.equal(description.status.name, 'RUNNING');
  assert.equal(description.type, 'greet');
  await handle.terminate('pack test done');
  await assert.rejects(handle.result(), WorkflowFailedError);
  assert.equal((await handle.describe()).status.name, 'TERMINATED');
  await connection.close();
  // Every @kairos package shares one protobufjs, and @grpc/grpc-js's own protobufjs (under @grpc/proto-loader) is
  // never loaded.
  const loaded = new Set(
    Object.keys(require.cache)
      .filter((file) => /[/\\]node_modules[/\\]protobufjs[/\\]/.test(file))
      .map((file) => file.slice(0, file.lastIndexOf('node_modules') + 'node_modules/protobufjs'.length)),
  );
  assert.equal(loaded.size, 1, `protobufjs loaded from ${[...loaded].join(', ')}`);
  console.log(`started, described and terminated ${workflowId} (run ${handle.firstExecutionRunId})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
