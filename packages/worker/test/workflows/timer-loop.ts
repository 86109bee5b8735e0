import { sleep } from '@kairos/workflow';

/** The workflow of tools/gen-timer-history.js: sleeps 1 s n times. */
export async function timerLoop(n: number): Promise<number> {
  for (let i = 0; i < n; i++) await sleep(1000);
  return n;
}
