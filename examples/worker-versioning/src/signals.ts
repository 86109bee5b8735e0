/** The signals both versions of the workflows handle (a new version must keep the names its runs were sent). */
import { defineSignal } from '@kairos/workflow';

/** A person approved the order: it may ship. */
export const approveSignal = defineSignal('approve');

/** The issue is written: the newsletter may go out. */
export const publishSignal = defineSignal('publish');
