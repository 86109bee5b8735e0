// A time-skipping test written with node:test against installed tarballs: a workflow that sleeps 30 days finishes
// in (much) less than a minute of wall time, and the server's clock moved by the 30 days.
'use strict';
const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');
const { TestWorkflowEnvironment } = require('@kairos/testing');
const { DefaultLogger, Runtime, Worker } = require('@kairos/worker');
const activities = require('./activities');

Runtime.install({ logger: new DefaultLogger('WARN') });
const DAY = 24 * 60 * 60 * 1000;

let env;
before(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

test('a workflow that sleeps 30 days completes at once, with the clock moved 30 days', async () => {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'time-skipping',
    workflowsPath: require.resolve('./workflows'),
    activities,
  });
  const serverBefore = await env.currentTimeMs();
  const wallBefore = Date.now();
  const result = await worker.runUntil(
    env.client.workflow.execute('greetLater', {
      taskQueue: 'time-skipping',
      workflowId: 'sleeper-1',
      args: ['Kairos', '30 days'],
    }),
  );
  assert.equal(result, 'Hello, Kairos!');
  assert.ok((await env.currentTimeMs()) >= serverBefore + 30 * DAY, 'the server clock moved 30 days');
  assert.ok(Date.now() - wallBefore < 30_000, `took ${Date.now() - wallBefore} ms of wall time`);
});
