/**
 * Deterministic random streams. The main stream (`workflowRandom`) is the one `Math.random` and `uuid4` draw
 * from. Named streams (`getRandomStream`, experimental in the official SDK) are not implemented in Kairos.
 *
 * @module
 */
import { uuid4From } from './alea';
import { getActivator } from './global-attributes';

/** A deterministic stream of random numbers. */
export interface WorkflowRandomStream {
  random(): number;
  uuid4(): string;
  fill(bytes: Uint8Array): Uint8Array;
  /** Runs `fn` with `Math.random` drawing from this stream. */
  with<T>(fn: () => T): T;
}

/** The workflow's main random stream (what `Math.random` uses). */
export const workflowRandom: WorkflowRandomStream = {
  random: () => getActivator().nextRandom(),
  uuid4: () => uuid4From(() => getActivator().nextRandom()),
  fill(bytes: Uint8Array): Uint8Array {
    const activator = getActivator();
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(activator.nextRandom() * 256);
    return bytes;
  },
  with: <T>(fn: () => T): T => fn(),
};

/** Not implemented in Kairos: throws. */
export function getRandomStream(name: string): WorkflowRandomStream {
  throw new Error(`not implemented: named random streams (getRandomStream('${name}'))`);
}
