import type { temporal } from '@kairos/proto';
import { makeProtoEnumConverters } from './internal-workflow/enums-helpers';

/**
 * Why the server suggests that a workflow continue as new (there can be several reasons at once).
 *
 * @experimental
 */
export const SuggestContinueAsNewReason = {
  HISTORY_SIZE_TOO_LARGE: 'HISTORY_SIZE_TOO_LARGE',
  TOO_MANY_HISTORY_EVENTS: 'TOO_MANY_HISTORY_EVENTS',
  TOO_MANY_UPDATES: 'TOO_MANY_UPDATES',
} as const;
/** Why the server suggests that a workflow continue as new. */
export type SuggestContinueAsNewReason = (typeof SuggestContinueAsNewReason)[keyof typeof SuggestContinueAsNewReason];

type ProtoSuggestContinueAsNewReason = temporal.api.enums.v1.SuggestContinueAsNewReason;
const SUGGEST_CONTINUE_AS_NEW_REASON_PREFIX = 'SUGGEST_CONTINUE_AS_NEW_REASON_';

/** Maps {@link SuggestContinueAsNewReason} to `temporal.api.enums.v1.SuggestContinueAsNewReason` numbers and back. */
export const [encodeSuggestContinueAsNewReason, decodeSuggestContinueAsNewReason] = makeProtoEnumConverters<
  ProtoSuggestContinueAsNewReason,
  typeof SuggestContinueAsNewReason,
  typeof SUGGEST_CONTINUE_AS_NEW_REASON_PREFIX
>(
  { UNSPECIFIED: 0, HISTORY_SIZE_TOO_LARGE: 1, TOO_MANY_HISTORY_EVENTS: 2, TOO_MANY_UPDATES: 3 },
  SUGGEST_CONTINUE_AS_NEW_REASON_PREFIX,
);

/** Decodes a list of proto reasons, skipping unspecified ones; `undefined` when none is left. */
export function suggestContinueAsNewReasonsFromProto(
  reasons: temporal.api.enums.v1.SuggestContinueAsNewReason[] | null | undefined,
): SuggestContinueAsNewReason[] | undefined {
  if (reasons === null || reasons === undefined) return undefined;
  const decoded: SuggestContinueAsNewReason[] = [];
  for (const reason of reasons) {
    const value = decodeSuggestContinueAsNewReason(reason);
    if (value !== undefined) decoded.push(value);
  }
  return decoded.length === 0 ? undefined : decoded;
}
