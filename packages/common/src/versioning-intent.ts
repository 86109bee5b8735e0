/**
 * Whether a command (scheduling an activity, starting a child, continuing as new) should run on a worker with a
 * build id compatible with the current one (`COMPATIBLE`) or on the target task queue's default build id
 * (`DEFAULT`). When unset the SDK chooses: `DEFAULT` for starting workflows, `COMPATIBLE` for commands sent to
 * the same task queue.
 *
 * @deprecated Worker Versioning is deprecated; use Worker Deployments.
 */
export type VersioningIntent = 'COMPATIBLE' | 'DEFAULT';
