import { TestWorkflowEnvironment } from '@kairos/testing';
import { DefaultLogger, Runtime } from '@kairos/worker';
import { registerSearchAttributes, run } from '../src/client';
import { SEARCH_ATTRIBUTES } from '../src/search-attributes';
import { createWorker } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

const EXPECTED = [
  "alice's shipped orders: order-1, order-2",
  "alice's orders over 100: order-2",
  'orders of alice and bob: 3',
];

test('finds orders by customer, status and total on a server started with the search attributes', async () => {
  const env = await TestWorkflowEnvironment.createLocal({ server: { searchAttributes: SEARCH_ATTRIBUTES } });
  try {
    const worker = await createWorker(env.nativeConnection, 'test-search');
    expect(await worker.runUntil(run(env.client, 'test-search'))).toEqual(EXPECTED);
  } finally {
    await env.teardown();
  }
});

test('registers the search attributes on a server that lacks them', async () => {
  const env = await TestWorkflowEnvironment.createLocal();
  try {
    await registerSearchAttributes(env.connection);
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(customAttributes ?? {}).sort()).toEqual(['CustomerId', 'OrderStatus', 'OrderTotal']);
    const worker = await createWorker(env.nativeConnection, 'test-search-2');
    expect(await worker.runUntil(run(env.client, 'test-search-2'))).toEqual(EXPECTED);
  } finally {
    await env.teardown();
  }
});
