import { type DataConverter, defaultFailureConverter, type LoadedDataConverter } from '../converter/data-converter';
import type { FailureConverter } from '../converter/failure-converter';
import { defaultPayloadConverter, type PayloadConverter } from '../converter/payload-converter';
import { ValueError } from '../errors';
import { errorCode, isRecord } from '../type-helpers';

type ConverterExport = 'payloadConverter' | 'failureConverter';

const REQUIRED_METHODS: Record<ConverterExport, readonly string[]> = {
  payloadConverter: ['toPayload', 'fromPayload'],
  failureConverter: ['errorToFailure', 'failureToError'],
};

/**
 * Requires the module at `path` and returns its `exportName` export, checking it has the converter's methods.
 *
 * @throws {@link ValueError} when the module does not exist, lacks the export, or the export is not a converter.
 */
function requireConverter<T>(path: string, exportName: ConverterExport): T {
  let module: unknown;
  try {
    module = require(path);
  } catch (error) {
    // Only the module itself being absent is a configuration mistake; a missing import of that module (whose
    // message lists our path in its require stack, not in its first line) propagates like any load error.
    const firstLine = String((error as Error).message).split('\n', 1)[0] ?? '';
    if (errorCode(error) === 'MODULE_NOT_FOUND' && firstLine.includes(`'${path}'`)) {
      throw new ValueError(`Could not find a file at the specified ${exportName}Path: '${path}'.`, error);
    }
    throw error;
  }
  if (!isRecord(module) || !(exportName in module)) {
    throw new ValueError(`Module ${path} does not have a \`${exportName}\` named export`);
  }
  const converter = module[exportName];
  const methods = REQUIRED_METHODS[exportName];
  if (!isRecord(converter) || !methods.every((method) => typeof converter[method] === 'function')) {
    throw new ValueError(`${exportName} export at ${path} must be an object with ${methods.join(' and ')} methods`);
  }
  return converter as T;
}

/**
 * Loads a {@link DataConverter}: requires the modules at `payloadConverterPath` and `failureConverterPath` and takes
 * their `payloadConverter` / `failureConverter` named exports. Missing paths give the default converters, missing
 * codecs an empty list.
 *
 * @throws {@link ValueError} naming the path when a module is missing or does not export a valid converter.
 */
export function loadDataConverter(dataConverter?: DataConverter): LoadedDataConverter {
  const payloadConverter = dataConverter?.payloadConverterPath
    ? requireConverter<PayloadConverter>(dataConverter.payloadConverterPath, 'payloadConverter')
    : defaultPayloadConverter;
  const failureConverter = dataConverter?.failureConverterPath
    ? requireConverter<FailureConverter>(dataConverter.failureConverterPath, 'failureConverter')
    : defaultFailureConverter;
  return { payloadConverter, failureConverter, payloadCodecs: dataConverter?.payloadCodecs ?? [] };
}

/** Whether `dataConverter` is already loaded (has a `payloadConverter` object rather than a path). */
export function isLoadedDataConverter(
  dataConverter?: DataConverter | LoadedDataConverter,
): dataConverter is LoadedDataConverter {
  return isRecord(dataConverter) && 'payloadConverter' in dataConverter;
}
