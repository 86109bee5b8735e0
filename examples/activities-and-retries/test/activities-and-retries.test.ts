import { ApplicationFailure } from '@kairos/activity';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { chargeCard, reserveStock } from '../src/activities';
import { run } from '../src/client';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });

describe('workflow', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    // Time skipping: the retries' backoffs (1 s, then 2 s) pass at once.
    env = await TestWorkflowEnvironment.createTimeSkipping();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('retries the gateway, rejects a declined card and fails an order out of stock', async () => {
    const worker = await createWorker(env.nativeConnection, 'test-retries');
    expect(await worker.runUntil(run(env.client, 'test-retries'))).toEqual([
      'order A-1 confirmed: 2 x kettle, charge-A-1-attempt-3',
      'order A-2 rejected: card 0002 was declined',
      'order A-3 failed: only 10 mug in stock, 40 ordered',
    ]);
  });
});

describe('activities', () => {
  const quiet = { logger: new DefaultLogger('ERROR') };

  test('chargeCard fails its first two attempts and succeeds on the third', async () => {
    await expect(new MockActivityEnvironment({ attempt: 1 }, quiet).run(chargeCard, 'B-1', '4242')).rejects.toThrow(
      'payment gateway unavailable (attempt 1)',
    );
    expect(await new MockActivityEnvironment({ attempt: 3 }, quiet).run(chargeCard, 'B-1', '4242')).toBe(
      'charge-B-1-attempt-3',
    );
  });

  test('a declined card and a too-large order fail for good', async () => {
    const declined = await new MockActivityEnvironment(undefined, quiet)
      .run(chargeCard, 'B-2', '0002')
      .catch((e: unknown) => e);
    expect(declined).toMatchObject({ type: 'CardDeclined', nonRetryable: true });
    const outOfStock = await new MockActivityEnvironment(undefined, quiet)
      .run(reserveStock, 'mug', 11)
      .catch((e: unknown) => e);
    expect(outOfStock).toBeInstanceOf(ApplicationFailure);
    expect(outOfStock).toMatchObject({ type: 'OutOfStock', nonRetryable: true });
  });
});
