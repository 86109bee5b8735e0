/** Workflows: the reminder a schedule starts, like the official `schedules` sample. */
import { workflowInfo } from '@kairos/workflow';

export async function reminder(text: string): Promise<string> {
  // A scheduled run knows when it was due through the TemporalScheduledStartTime search attribute.
  const due = workflowInfo().searchAttributes?.TemporalScheduledStartTime?.[0];
  return `reminder: ${text}${due ? ` (due ${String(due)})` : ''}`;
}
