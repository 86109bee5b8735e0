/** Activities: ordinary functions that may have side effects (here, none). */
import type { Patient } from './workflows';

/** Stores a patient record and returns its id (derived from the SSN's last digits, for the example). */
export async function storeRecord(patient: Patient): Promise<string> {
  return `record-${patient.ssn.slice(-4)}`;
}
