// The hello-world worker from installed tarballs: an in-memory dev server from @kairos/testing, a worker on the
// prebuilt core, and a client that runs one workflow through it.
'use strict';
const assert = require('node:assert/strict');
const { TestWorkflowEnvironment } = require('@kairos/testing');
const { DefaultLogger, Runtime, Worker } = require('@kairos/worker');
const activities = require('./activities');

Runtime.install({ logger: new DefaultLogger('WARN') });

async function main() {
  const env = await TestWorkflowEnvironment.createLocal();
  try {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'hello-world',
      workflowsPath: require.resolve('./workflows'),
      activities,
    });
    const result = await worker.runUntil(
      env.client.workflow.execute('example', { taskQueue: 'hello-world', workflowId: 'hello-1', args: ['Kairos'] }),
    );
    assert.equal(result, 'Hello, Kairos!');
    console.log(result);
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
