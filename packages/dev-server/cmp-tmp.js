const { spawn } = require('child_process');
const path = require('path');
const { Client, Connection, WithStartWorkflowOperation } = require('@temporalio/client');
const { NativeConnection, Worker, bundleWorkflowCode, Runtime, DefaultLogger } = require('@temporalio/worker');
const { temporal } = require('@kairos/proto');
const ET = temporal.api.enums.v1.EventType;
Runtime.install({ logger: new DefaultLogger('ERROR') });
async function run(label, address) {
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'test/workflows/index.ts'), logger: new DefaultLogger('ERROR') });
  const worker = await Worker.create({ connection: await NativeConnection.connect({ address }), workflowBundle: bundle, activities: require('./lib-test-acts'), taskQueue: 'cmp' });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address }) });
  const out = {};
  const shape = async (id) => (await client.workflow.getHandle(id).fetchHistory()).events.map((e) => ET[e.eventType].replace('EVENT_TYPE_', ''));
  const id = (n) => `${n}-${label}-${Date.now()}`;
  let w = id('hello'); await client.workflow.execute('helloActivity', { taskQueue: 'cmp', workflowId: w, args: ['x'] }); out.hello = await shape(w);
  w = id('flaky'); await client.workflow.execute('flakyActivity', { taskQueue: 'cmp', workflowId: w, args: [1] }); out.flaky = await shape(w);
  w = id('child'); await client.workflow.execute('childParent', { taskQueue: 'cmp', workflowId: w, args: ['x'] }); out.child = await shape(w);
  w = id('can'); await client.workflow.execute('counterCAN', { taskQueue: 'cmp', workflowId: w, args: [2] }); out.can = await shape(w);
  w = id('upd'); const h = await client.workflow.start('updatable', { taskQueue: 'cmp', workflowId: w });
  await h.executeUpdate('setValue', { args: ['a'] }); await h.executeUpdate('setValue', { args: ['bad'] }).catch(() => {}); await h.executeUpdate('setValue', { args: ['finish'] }); await h.result(); out.upd = await shape(w);
  w = id('cancelhb'); await client.workflow.execute('cancelHeartbeating', { taskQueue: 'cmp', workflowId: w }); out.cancelhb = await shape(w);
  w = id('ext'); await client.workflow.execute('externalToMissing', { taskQueue: 'cmp', workflowId: w }); out.ext = await shape(w);
  w = id('cancel'); const c = await client.workflow.start('waitForCancel', { taskQueue: 'cmp', workflowId: w }); await new Promise(r => setTimeout(r, 500)); await c.cancel(); await c.result().catch(() => {}); out.cancel = await shape(w);
  worker.shutdown(); await running;
  return out;
}
(async () => {
  const [kairosAddr, realAddr] = process.argv.slice(2);
  const a = await run('k', kairosAddr);
  const b = await run('t', realAddr);
  for (const k of Object.keys(a)) {
    const same = JSON.stringify(a[k]) === JSON.stringify(b[k]);
    console.log(k, same ? 'SAME' : 'DIFF');
    if (!same) { console.log('  kairos:', a[k].join(' ')); console.log('  real:  ', b[k].join(' ')); }
  }
  process.exit(0);
})();
