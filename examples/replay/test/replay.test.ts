import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { replayFile, run } from '../src/client';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

test('exports a history to JSON and replays it, and replays the closed runs from the server', async () => {
  const worker = await createWorker(env.nativeConnection, 'test-replay');
  const lines = await worker.runUntil(run(env.client, 'test-replay'));
  expect(lines[0]).toMatch(/^exported \d+ events of the first run to a JSON file and replayed them$/);
  expect(lines[1]).toBe('replayed 3 closed runs from the server, 0 failed');
});

test('a history exported earlier (test/fixtures/greet-later.json) still replays against the current code', async () => {
  await replayFile(path.join(__dirname, 'fixtures', 'greet-later.json'));
});
