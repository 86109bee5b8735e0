/**
 * The current version of `greet`: the casual greeting became a formal one. Runs that started with the old code
 * (`workflows-v1.ts`) replay their history through this code when a worker picks them up again, so the change
 * is guarded with `patched`: it is true for runs that reach this point with the new code (the worker records a
 * marker in their history) and false when replaying a history recorded without the marker, which then takes the
 * old path. Once no run of the old version is left, `deprecatePatch('formal-greeting')` and then removing the
 * old branch finish the change (the official `patching-api` sample's steps).
 */
import { patched, proxyActivities, sleep } from '@kairos/workflow';
import type * as activities from './activities';

const { casualGreeting, formalGreeting } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function greet(name: string): Promise<string> {
  await sleep('1 second');
  if (patched('formal-greeting')) {
    return await formalGreeting(name);
  }
  return await casualGreeting(name);
}
