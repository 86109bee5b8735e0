import type { temporal } from '@kairos/proto';
import { convertOptionalToPayload, type PayloadConverter } from './converter/payload-converter';
import type { SerializationContext } from './converter/serialization-context';

/** Descriptive text a workflow can attach to its commands; the UI and CLI display it. */
export interface UserMetadata {
  /** A fixed one-line summary of what the command is for. */
  staticSummary?: string;
  /** Fixed, longer details; may span lines. */
  staticDetails?: string;
}

/** Converts a summary and details to a `UserMetadata` message; `undefined` when both are missing. */
export function userMetadataToPayload(
  payloadConverter: PayloadConverter,
  staticSummary: string | undefined,
  staticDetails: string | undefined,
  context?: SerializationContext,
): temporal.api.sdk.v1.IUserMetadata | undefined {
  if (staticSummary === undefined && staticDetails === undefined) return undefined;
  const metadata: temporal.api.sdk.v1.IUserMetadata = {
    summary: convertOptionalToPayload(payloadConverter, staticSummary, context),
    details: convertOptionalToPayload(payloadConverter, staticDetails, context),
  };
  // A `null` summary or details converts to nothing either: then there is no metadata to send.
  const empty = [metadata.summary, metadata.details].every((payload) => payload === null || payload === undefined);
  return empty ? undefined : metadata;
}
