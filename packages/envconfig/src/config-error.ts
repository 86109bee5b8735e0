/**
 * A configuration file or variable that cannot be used. The message names the file (or `<data>` for
 * configuration given as contents), the line and the key when they are known.
 */
export class ClientConfigError extends Error {
  /** The file that was read, or undefined for configuration given as data or variables. */
  readonly file?: string;
  /** 1-based line of the problem in the file, when known. */
  readonly line?: number;
  /** Dotted path of the key at fault, e.g. `profile.prod.tls.server_name`, when known. */
  readonly key?: string;

  constructor(
    message: string,
    where: { file?: string; line?: number; column?: number; key?: string } = {},
    options?: { cause?: unknown },
  ) {
    const place = [
      where.file ?? (where.line !== undefined ? '<data>' : undefined),
      where.line !== undefined
        ? `line ${where.line}${where.column !== undefined ? `, column ${where.column}` : ''}`
        : undefined,
      where.key !== undefined ? `key ${where.key}` : undefined,
    ].filter((part) => part !== undefined);
    super(place.length > 0 ? `${place.join(', ')}: ${message}` : message, options);
    this.name = 'ClientConfigError';
    this.file = where.file;
    this.line = where.line;
    this.key = where.key;
  }
}
