/**
 * Compile-time checks of the client's typing, run by `pnpm typecheck` (this file is type-checked with the
 * tests but has no runtime tests). Each `@ts-expect-error` line must be a type error, and the other lines
 * must compile.
 */
import type { Client, WorkflowHandle } from '../src';
import { addQuery, incrementSignal, incrementUpdate, valueQuery } from './helpers/definitions';
import type { counter, greet, noArgs } from './workflows';

export async function typingOfWorkflowCalls(
  client: Client,
  greetFn: typeof greet,
  noArgsFn: typeof noArgs,
): Promise<void> {
  const base = { taskQueue: 'tq', workflowId: 'id' };

  const handle = await client.workflow.start(greetFn, { ...base, args: ['Kairos'] });
  const result: string = await handle.result();
  // @ts-expect-error the result of greet is a string
  const wrongResult: number = await handle.result();

  // @ts-expect-error greet takes a string
  await client.workflow.start(greetFn, { ...base, args: [42] });
  // @ts-expect-error greet needs its argument
  await client.workflow.start(greetFn, base);
  // @ts-expect-error too many arguments
  await client.workflow.execute(greetFn, { ...base, args: ['a', 'b'] });

  const none: string = await client.workflow.execute(noArgsFn, base);
  const untyped = await client.workflow.execute('anything', { ...base, args: [1, 'two', { three: 3 }] });

  const counterHandle: WorkflowHandle<typeof counter> = client.workflow.getHandle<typeof counter>('id');
  const value: number = await counterHandle.query(valueQuery);
  const sum: number = await counterHandle.query(addQuery, 1);
  // @ts-expect-error the add query takes a number
  await counterHandle.query(addQuery, 'one');
  await counterHandle.signal(incrementSignal, 1);
  // @ts-expect-error the increment signal takes a number
  await counterHandle.signal(incrementSignal, 'one');
  const updated: number = await counterHandle.executeUpdate(incrementUpdate, { args: [1] });
  // @ts-expect-error the update takes a number
  await counterHandle.executeUpdate(incrementUpdate, { args: ['one'] });
  // @ts-expect-error the update needs its arguments
  await counterHandle.executeUpdate(incrementUpdate);

  void [result, wrongResult, none, untyped, value, sum, updated];
}
