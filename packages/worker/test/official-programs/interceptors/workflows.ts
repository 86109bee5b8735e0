import { condition, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

export const nameSignal = defineSignal<[string]>('name');
export const nameQuery = defineQuery<string>('name');
export const renameUpdate = defineUpdate<string, [string]>('rename');
export const nicknameUpdate = defineUpdate<string, [string]>('nickname');

/** Waits for a name by signal, greets it through an activity. */
export async function interceptedGreeting(): Promise<string> {
  let name = '';
  setHandler(nameSignal, (value) => void (name = value));
  setHandler(nameQuery, () => name);
  setHandler(renameUpdate, (value) => (name = value), {
    validator: (value) => {
      if (value.length === 0) throw new Error('a name is required');
    },
  });
  // Without a validator, validateUpdate interceptors are not called either.
  setHandler(nicknameUpdate, (value) => `${name} a.k.a. ${value}`);
  await condition(() => name === 'DONE');
  return await greet('world');
}
