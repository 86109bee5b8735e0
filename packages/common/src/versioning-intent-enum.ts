import { assertNever } from './type-helpers';
import type { VersioningIntent as VersioningIntentString } from './versioning-intent';

/**
 * The protobuf numbers of {@link VersioningIntentString} (written here so workflow code does not load the protos).
 *
 * @deprecated Worker Versioning is deprecated; use Worker Deployments.
 */
export enum VersioningIntent {
  UNSPECIFIED = 0,
  COMPATIBLE = 1,
  DEFAULT = 2,
}

/** Protobuf number of each intent string. */
const PROTO_BY_INTENT: Readonly<Record<VersioningIntentString, VersioningIntent>> = {
  COMPATIBLE: VersioningIntent.COMPATIBLE,
  DEFAULT: VersioningIntent.DEFAULT,
};

/**
 * Converts a versioning intent to its protobuf number (`UNSPECIFIED` when unset).
 *
 * @deprecated Worker Versioning is deprecated; use Worker Deployments.
 */
export function versioningIntentToProto(intent: VersioningIntentString | undefined): VersioningIntent {
  if (intent === undefined) return VersioningIntent.UNSPECIFIED;
  const known = Object.hasOwn(PROTO_BY_INTENT, intent) ? PROTO_BY_INTENT[intent] : undefined;
  return known ?? assertNever('Unexpected VersioningIntent', intent as never);
}
