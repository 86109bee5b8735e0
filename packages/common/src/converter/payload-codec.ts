import type { Payload } from '../interfaces';
import type { SerializationContext } from './serialization-context';

/**
 * An optional, asynchronous transformation of payloads between the {@link PayloadConverter} and the wire, such as
 * encryption or compression:
 *
 * Temporal Server <-> wire <-> `PayloadCodec` <-> `PayloadConverter` <-> user code
 *
 * Codecs run outside the workflow isolate, so they may use Node APIs.
 */
export interface PayloadCodec {
  /** Encodes payloads before they are sent (the array may be empty). */
  encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]>;
  /** Decodes payloads received from the wire. */
  decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]>;
}
