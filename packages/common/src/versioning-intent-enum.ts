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

/**
 * Converts a versioning intent to its protobuf number (`UNSPECIFIED` when unset).
 *
 * @deprecated Worker Versioning is deprecated; use Worker Deployments.
 */
export function versioningIntentToProto(intent: VersioningIntentString | undefined): VersioningIntent {
  switch (intent) {
    case 'DEFAULT':
      return VersioningIntent.DEFAULT;
    case 'COMPATIBLE':
      return VersioningIntent.COMPATIBLE;
    case undefined:
      return VersioningIntent.UNSPECIFIED;
    default:
      return assertNever('Unexpected VersioningIntent', intent);
  }
}
