import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@kairos/common';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { run } from '../src/client';
import { EncryptionCodec } from '../src/encryption-codec';
import { createWorker } from '../src/worker';
import { example } from '../src/workflows';

Runtime.install({ logger: new DefaultLogger('WARN') });

describe('EncryptionCodec', () => {
  const key = (byte: number) => new Uint8Array(32).fill(byte);
  const codec = new EncryptionCodec(new Map([['k1', key(1)]]), 'k1');
  const payload = defaultPayloadConverter.toPayload({ secret: 'launch codes' });

  test('round-trips payloads and hides their content', async () => {
    const [encrypted] = await codec.encode([payload]);
    expect(new TextDecoder().decode(encrypted.metadata?.encoding)).toBe('binary/encrypted');
    expect(Buffer.from(encrypted.data ?? []).toString()).not.toContain('launch codes');
    const [decoded] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ secret: 'launch codes' });
  });

  test('decrypts with any known key, so that keys can be rotated', async () => {
    const [old] = await codec.encode([payload]);
    const rotated = new EncryptionCodec(
      new Map([
        ['k1', key(1)],
        ['k2', key(2)],
      ]),
      'k2',
    );
    const [decoded] = await rotated.decode([old]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ secret: 'launch codes' });
  });

  test('refuses a payload whose key it does not have, and a tampered one', async () => {
    const [encrypted] = await codec.encode([payload]);
    const other = new EncryptionCodec(new Map([['k9', key(9)]]), 'k9');
    await expect(other.decode([encrypted])).rejects.toThrow('no key with id "k1" to decrypt a payload');
    const tampered = { ...encrypted, data: Uint8Array.from(encrypted.data ?? [], (b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([tampered])).rejects.toThrow('Unsupported state or unable to authenticate data');
  });

  test('names the option that is wrong', () => {
    expect(() => new EncryptionCodec(new Map([['short', new Uint8Array(16)]]), 'short')).toThrow(
      'key "short" must be 32 bytes long, not 16',
    );
    expect(() => new EncryptionCodec(new Map([['k1', key(1)]]), 'k2')).toThrow('keyId "k2" is not one of the keys');
  });
});

describe('workflow', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('runs with encrypted payloads that only the key holders can read', async () => {
    const worker = await createWorker(env.nativeConnection, 'test-encryption');
    const lines = await worker.runUntil(run(env.connection, 'test-encryption'));
    expect(lines[0]).toBe("Alice: Private message for Bob.\nBob: Hi Alice, I'm Workflow Bob.");
    expect(lines[1]).toMatch(/^the server stored the input as binary\/encrypted, \d+ bytes$/);
  });

  test('a client without the key cannot read the result', async () => {
    const worker = await createWorker(env.nativeConnection, 'test-encryption-2');
    const handle = await env.client.workflow.start(example, {
      taskQueue: 'test-encryption-2',
      workflowId: `encryption-${randomUUID()}`,
      args: ['hello'],
    });
    // The environment's client has no codec: the worker reads its plain input (the codec passes payloads it did
    // not encrypt through), but the result the worker encrypted is unreadable here.
    await expect(worker.runUntil(handle.result())).rejects.toThrow(/binary\/encrypted/);
  });
});
