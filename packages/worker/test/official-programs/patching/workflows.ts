import { deprecatePatch, patched, sleep } from '@temporalio/workflow';

/** The current version: new runs take the discounted path; runs started on v1 keep the old one. */
export async function quote(amount: number): Promise<string> {
  if (patched('discount')) {
    await sleep(10);
    return `price ${amount * 0.9} (discounted)`;
  }
  await sleep(10);
  return `price ${amount}`;
}

/** The old branch is gone; deprecatePatch keeps histories that recorded the patch replaying. */
export async function legacyQuote(amount: number): Promise<string> {
  deprecatePatch('legacy-fix');
  await sleep(10);
  return `legacy price ${amount}`;
}
