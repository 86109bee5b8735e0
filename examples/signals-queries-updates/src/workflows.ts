/**
 * Workflows: a greeting whose salutation changes by signal (`setSalutation`) or by update (`changeSalutation`,
 * which returns the greeting it replaced), whose current greeting is a query (`getGreeting`), and which finishes
 * on the `finish` signal with its last greeting.
 */
import { condition, defineQuery, defineSignal, defineUpdate, setHandler } from '@kairos/workflow';

export const setSalutation = defineSignal<[string]>('setSalutation');
export const finish = defineSignal('finish');
export const getGreeting = defineQuery<string>('getGreeting');
export const changeSalutation = defineUpdate<string, [string]>('changeSalutation');

export async function greeting(name: string): Promise<string> {
  let salutation = 'Hello';
  let finished = false;
  const current = () => `${salutation}, ${name}!`;
  setHandler(setSalutation, (s) => void (salutation = s));
  setHandler(getGreeting, current);
  setHandler(
    changeSalutation,
    (s) => {
      const old = current();
      salutation = s;
      return old;
    },
    {
      // Rejected updates leave no trace in the history.
      validator: (s) => {
        if (s.trim() === '') throw new Error('the salutation must not be empty');
      },
    },
  );
  setHandler(finish, () => void (finished = true));
  await condition(() => finished);
  return current();
}
