// Workflows for the official SDK's Nexus caller and handler (official-nexus.test.ts), written against
// @temporalio/workflow as a user of the official SDK would.
import * as nexus from 'nexus-rpc';
import {
  CancellationScope,
  condition,
  createNexusServiceClient,
  defineSignal,
  isCancellation,
  NexusOperationCancellationType,
  setHandler,
} from '@temporalio/workflow';

export const greetingService = nexus.service('greetingService', {
  greet: nexus.operation<string, string>(),
  greetLater: nexus.operation<string, string>(),
  refuse: nexus.operation<string, string>(),
});

/** Calls one operation and returns its result, or the names and messages of its error chain. */
export async function officialCaller(
  endpoint: string,
  operation: 'greet' | 'greetLater' | 'refuse',
  input: string,
  cancelAfterStart = false,
): Promise<{ token?: string; result?: string; errors?: string[] }> {
  const client = createNexusServiceClient({ endpoint, service: greetingService });
  const outcome: { token?: string; result?: string; errors?: string[] } = {};
  try {
    await CancellationScope.cancellable(async () => {
      const handle = await client.startOperation(operation, input, {
        scheduleToCloseTimeout: '20s',
        cancellationType: NexusOperationCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
      outcome.token = handle.token;
      if (cancelAfterStart) CancellationScope.current().cancel();
      outcome.result = await handle.result();
    });
  } catch (err) {
    outcome.errors = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) outcome.errors.push(`${e.name}: ${e.message}`);
  }
  return outcome;
}

/** Lets a `greeter` started with the name `signal` answer. */
export const proceed = defineSignal('proceed');

/** Backs `greetLater`: answers, or waits to be cancelled (`wait`) or for {@link proceed} (`signal`). */
export async function greeter(name: string): Promise<string> {
  if (name === 'signal') {
    let proceeded = false;
    setHandler(proceed, () => void (proceeded = true));
    await condition(() => proceeded);
  }
  if (name === 'wait') {
    try {
      await condition(() => false);
    } catch (err) {
      if (isCancellation(err)) throw err;
    }
  }
  return `Hello, ${name}!`;
}
