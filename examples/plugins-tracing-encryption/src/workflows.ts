/** Workflows: deterministic code that the worker runs in an isolate and can replay from history. */
import { proxyActivities } from '@kairos/workflow';
// Only the activities' types are imported: workflow code never calls them directly.
import type * as activities from './activities';

const { storeRecord } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

/** A patient as the client sends it: confidential, so it must not appear in the server's history in clear. */
export interface Patient {
  name: string;
  ssn: string;
}

/** Registers a patient: stores the record through an activity and confirms. */
export async function registerPatient(patient: Patient): Promise<string> {
  const recordId = await storeRecord(patient);
  return `Registered ${patient.name} as ${recordId}`;
}
