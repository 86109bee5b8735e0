/**
 * How not to make the change: the same code as `workflows.ts` without `patched`. A run of the old version that is
 * replayed through it schedules `formalGreeting` where its history has `casualGreeting`: a non-determinism error.
 */
import { proxyActivities, sleep } from '@kairos/workflow';
import type * as activities from './activities';

const { formalGreeting } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function greet(name: string): Promise<string> {
  await sleep('1 second');
  return await formalGreeting(name);
}
