import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@kairos/testing';

// `pnpm start` takes its server and namespace from the environment configuration (@kairos/envconfig), so the
// same code runs against another server by changing a profile, not the code.
const NAMESPACE = 'hello-envconfig';

let env: TestWorkflowEnvironment;
let dir: string;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal({ server: { namespace: NAMESPACE } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-envconfig-'));
});
afterAll(async () => {
  await env?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `pnpm start` (its script, without pnpm) in a child process; the embedded test server keeps serving meanwhile. */
function start(
  environment: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const tsx = require.resolve('tsx/cli');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsx, 'src/client.ts'],
      {
        cwd: path.join(__dirname, '..'),
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...environment },
      },
      (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

async function runsIn(namespace: string): Promise<number> {
  const { count } = await env.client.workflowService.countWorkflowExecutions({
    namespace,
    query: 'WorkflowType = "example"',
  });
  return Number(count);
}

test('pnpm start runs on the server and namespace of a temporal.toml profile', async () => {
  const file = path.join(dir, 'temporal.toml');
  fs.writeFileSync(
    file,
    ['[profile.staging]', `address = "${env.address}"`, `namespace = "${NAMESPACE}"`, ''].join('\n'),
  );
  const before = await runsIn(NAMESPACE);
  const out = await start({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' });
  expect(out).toMatchObject({ status: 0, stdout: 'Hello, Kairos!\n' });
  expect(out.stderr).toContain(`Using the server on ${env.address}`);
  expect(await runsIn(NAMESPACE)).toBe(before + 1);
});

test('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE override the profile', async () => {
  const file = path.join(dir, 'unreachable.toml');
  fs.writeFileSync(file, ['[profile.default]', 'address = "127.0.0.1:1"', 'namespace = "nowhere"', ''].join('\n'));
  const before = await runsIn('default');
  const out = await start({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default' });
  expect(out).toMatchObject({ status: 0, stdout: 'Hello, Kairos!\n' });
  expect(await runsIn('default')).toBe(before + 1);
});

test('a malformed profile file stops pnpm start with an error naming the file', async () => {
  const file = path.join(dir, 'broken.toml');
  fs.writeFileSync(file, '[profile.default]\naddress = \n');
  const out = await start({ TEMPORAL_CONFIG_FILE: file });
  expect(out.status).toBe(1);
  expect(out.stderr).toContain(file);
  expect(out.stdout).toBe('');
});
