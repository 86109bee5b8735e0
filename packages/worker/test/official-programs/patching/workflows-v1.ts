import { sleep } from '@temporalio/workflow';

/** The first version of the workflow, before the pricing change. */
export async function quote(amount: number): Promise<string> {
  await sleep(10);
  return `price ${amount}`;
}

/** A workflow whose old fix is about to be removed. */
export async function legacyQuote(amount: number): Promise<string> {
  await sleep(10);
  return `legacy price ${amount}`;
}
