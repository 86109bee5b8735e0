/**
 * The base of every client class: connection, data converter, namespace and identity.
 *
 * @module
 */
import os from 'node:os';
import type { DataConverter, LoadedDataConverter } from '@kairos/common';
import { isLoadedDataConverter, loadDataConverter } from '@kairos/common/lib/internal-non-workflow';
import { filterNullAndUndefined } from '@kairos/common/lib/internal-workflow';
import { Connection } from './connection';
import type { ConnectionLike, Metadata } from './types';

/** Options shared by every client. */
export interface BaseClientOptions {
  /**
   * Converts values to and from payloads, and errors to and from failures.
   *
   * @default the default data converter (JSON, binary and `undefined` payloads; no codec)
   */
  dataConverter?: DataConverter;
  /**
   * Identity of this client, recorded by the server with the calls it makes.
   *
   * @default `${process.pid}@${os.hostname()}`
   */
  identity?: string;
  /**
   * Connection to the server. Connections are expensive: share one between clients.
   *
   * @default a lazy connection to `localhost:7233`
   */
  connection?: ConnectionLike;
  /**
   * Namespace the client works in.
   *
   * @default default
   */
  namespace?: string;
}

/** `Options` with every option but the connection filled in. */
export type WithDefaults<Options extends BaseClientOptions> = Required<Omit<Options, 'connection'>> &
  Pick<Options, 'connection'>;

/** `Options` with defaults, plus the loaded data converter. */
export type LoadedWithDefaults<Options extends BaseClientOptions> = WithDefaults<Options> & {
  /** The data converter, with its converters and codecs loaded. */
  loadedDataConverter: LoadedDataConverter;
};

/** Default values of the {@link BaseClientOptions}. */
export function defaultBaseClientOptions(): WithDefaults<BaseClientOptions> {
  return { namespace: 'default', identity: `${process.pid}@${os.hostname()}`, dataConverter: {} };
}

/**
 * The options a client keeps: the base defaults, then `extraDefaults`, then every option of `given` that is
 * neither `null` nor `undefined`, and finally the loaded data converter.
 */
export function settleClientOptions<Loaded>(
  given: object | undefined,
  loadedDataConverter: LoadedDataConverter,
  extraDefaults: object = {},
): Loaded {
  const explicit = filterNullAndUndefined(given ?? {});
  return { ...defaultBaseClientOptions(), ...extraDefaults, ...explicit, loadedDataConverter } as Loaded;
}

/** Base class of the clients: holds the connection and the loaded data converter. */
export class BaseClient {
  /**
   * The connection used by this client. Clients are cheap and connections are expensive, so several clients
   * may share one connection.
   */
  readonly connection: ConnectionLike;
  private readonly loadedDataConverter: LoadedDataConverter;

  /**
   * @throws TypeError if an option is malformed.
   */
  protected constructor(options?: BaseClientOptions) {
    validateBaseClientOptions(options);
    this.connection = options?.connection ?? Connection.lazy();
    const dataConverter = options?.dataConverter ?? {};
    this.loadedDataConverter = isLoadedDataConverter(dataConverter) ? dataConverter : loadDataConverter(dataConverter);
    if ((this.loadedDataConverter as { externalStorage?: unknown }).externalStorage !== undefined) {
      throw new Error('not implemented: external payload storage (DataConverter.externalStorage) in @kairos/client');
    }
  }

  /** The loaded data converter. */
  protected get dataConverter(): LoadedDataConverter {
    return this.loadedDataConverter;
  }

  /**
   * Runs `fn` with a deadline on the calls it makes; see {@link Connection.withDeadline}.
   *
   * @param deadline a `Date`, or milliseconds since the Unix epoch
   * @returns what `fn` returns
   */
  async withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    return await this.connection.withDeadline(deadline, fn);
  }

  /**
   * Runs `fn` so that aborting `abortSignal` cancels the calls it makes; see {@link Connection.withAbortSignal}.
   *
   * @returns what `fn` returns
   */
  async withAbortSignal<R>(abortSignal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    return await this.connection.withAbortSignal(abortSignal, fn);
  }

  /**
   * Runs `fn` with `metadata` added to the calls it makes; see {@link Connection.withMetadata}.
   *
   * @returns what `fn` returns
   */
  async withMetadata<R>(metadata: Metadata, fn: () => Promise<R>): Promise<R> {
    return await this.connection.withMetadata(metadata, fn);
  }
}

function validateBaseClientOptions(options: BaseClientOptions | undefined): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new TypeError(`Client options must be an object, got ${typeof options}`);
  if (options.namespace !== undefined && (typeof options.namespace !== 'string' || options.namespace === '')) {
    throw new TypeError('`namespace` must be a non-empty string');
  }
  if (options.identity !== undefined && typeof options.identity !== 'string') {
    throw new TypeError('`identity` must be a string');
  }
}
