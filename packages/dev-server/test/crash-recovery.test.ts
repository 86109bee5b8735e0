// SQLite persistence: a SIGKILL while a timer and an activity are pending loses nothing; after a restart
// on the same file the workflow completes with the right result and history.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { temporal } from '@kairos/proto';
import * as activities from './activities';
import { uniqueId, waitUntil, workflowsPath } from './helpers';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const cliPath = path.join(__dirname, '..', 'lib', 'cli.js');
const ET = temporal.api.enums.v1.EventType;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts the CLI and resolves once it prints that it listens. */
function startCli(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('listening on')) resolve(child);
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('a workflow survives SIGKILL of the server while a timer and an activity are pending', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-crash-'));
  const db = path.join(dir, 'state.db');
  const signalFile = path.join(dir, 'go');
  const port = await freePort();
  const args = ['start-dev', '--port', String(port), '--db-filename', db, '--log-level', 'error'];
  let server = await startCli(args);
  const address = `127.0.0.1:${port}`;
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  const taskQueue = uniqueId('crash');
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    workflowBundle: bundle,
    activities,
    taskQueue,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  try {
    const workflowId = uniqueId();
    const handle = await client.workflow.start('timerAndActivity', { taskQueue, workflowId, args: [signalFile, 1500] });
    await waitUntil(
      async () => {
        const d = await handle.describe();
        return (
          d.raw.pendingActivities?.[0]?.state ===
          temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        );
      },
      10_000,
      'activity started',
    );

    const before = (await handle.fetchHistory()).events!.map((e) => e.eventType);
    expect(before).toContain(ET.EVENT_TYPE_TIMER_STARTED);
    expect(before).not.toContain(ET.EVENT_TYPE_TIMER_FIRED);

    await killed(server);
    server = await startCli(args);
    fs.writeFileSync(signalFile, 'after restart');

    expect(await handle.result()).toBe('file said: after restart');
    const types = (await handle.fetchHistory()).events!.map((e) => e.eventType);
    expect(types).toEqual(
      expect.arrayContaining([
        ET.EVENT_TYPE_TIMER_STARTED,
        ET.EVENT_TYPE_TIMER_FIRED,
        ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        ET.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
      ]),
    );
    expect(types[types.length - 1]).toBe(ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    expect(types.filter((t) => t === ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)).toHaveLength(1);
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await killed(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
