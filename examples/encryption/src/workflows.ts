/** Workflows: the official `encryption` sample's conversation, through an activity. */
import { proxyActivities } from '@kairos/workflow';
import type * as activities from './activities';

const { reply } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function example(message: string): Promise<string> {
  return await reply(message);
}
