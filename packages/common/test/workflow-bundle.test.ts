import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { build, type Metafile, type Plugin } from 'esbuild';
import { payloadBytes } from './helpers';
import * as ours from '../src';

const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

interface BundleResult {
  code: string;
  metafile: Metafile;
  nodeImports: { module: string; importer: string }[];
}

/** Bundles `entry` for a neutral (non-Node) platform, recording every Node built-in import and who made it. */
async function bundleForIsolate(entry: string): Promise<BundleResult> {
  const nodeImports: BundleResult['nodeImports'] = [];
  const rejectNodeBuiltins: Plugin = {
    name: 'record-node-builtins',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (!NODE_BUILTINS.has(args.path) && !args.path.startsWith('node:')) return undefined;
        nodeImports.push({ module: args.path, importer: path.relative(process.cwd(), args.importer) });
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    format: 'iife',
    globalName: 'bundled',
    metafile: true,
    logLevel: 'silent',
    plugins: [rejectNodeBuiltins],
  });
  return { code: result.outputFiles[0]!.text, metafile: result.metafile, nodeImports };
}

describe('workflow-safe bundle of src/index.ts', () => {
  let bundle: BundleResult;

  beforeAll(async () => {
    bundle = await bundleForIsolate(path.join(__dirname, '..', 'src', 'index.ts'));
  });

  test('imports no Node built-in module', () => {
    expect(bundle.nodeImports).toEqual([]);
  });

  test('does not include @kairos/proto (imported type-only) or protobufjs', () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs.filter((input) => /packages[\\/]proto[\\/]|@kairos[\\/]proto|protobufjs/.test(input))).toEqual([]);
    expect(inputs.some((input) => input.endsWith(path.join('src', 'index.ts')))).toBe(true);
  });

  test('runs in a bare V8 context without TextEncoder, Buffer or process', () => {
    const context = vm.createContext({});
    vm.runInContext(bundle.code, context);
    const probe = vm.runInContext(
      `(() => {
        const c = bundled;
        const hostApis = [typeof TextEncoder, typeof TextDecoder, typeof Buffer, typeof process, typeof require];
        const payload = c.defaultPayloadConverter.toPayload({ greeting: 'héllo 👋', n: [1, 2] });
        const roundTrip = c.defaultPayloadConverter.fromPayload(payload);
        const failure = c.defaultFailureConverter.errorToFailure(
          c.ApplicationFailure.create({ message: 'ünïcode', type: 'T', details: ['d'] }),
          c.defaultPayloadConverter,
        );
        const error = c.defaultFailureConverter.failureToError(failure, c.defaultPayloadConverter);
        return {
          hostApis,
          payload,
          roundTrip: JSON.stringify(roundTrip),
          errorName: error.name,
          isApplicationFailure: error instanceof c.ApplicationFailure,
          details: JSON.stringify(error.details),
          duration: c.compileRetryPolicy({ initialInterval: '2 days' }).initialInterval.seconds.toString(),
        };
      })()`,
      context,
    );
    expect(probe.hostApis).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    const expected = ours.defaultPayloadConverter.toPayload({ greeting: 'héllo 👋', n: [1, 2] });
    expect(payloadBytes(probe.payload).equals(payloadBytes(expected))).toBe(true);
    expect(probe.roundTrip).toBe('{"greeting":"héllo 👋","n":[1,2]}');
    expect(probe.errorName).toBe('ApplicationFailure');
    expect(probe.isApplicationFailure).toBe(true);
    expect(probe.details).toBe('["d"]');
    expect(probe.duration).toBe('172800');
  });

  test('failures created in another realm are recognised and converted by the host', () => {
    const context = vm.createContext({});
    vm.runInContext(bundle.code, context);
    const error = vm.runInContext(
      `new bundled.ActivityFailure('failed', 'charge', 'a-1', 'TIMEOUT', 'me', bundled.ApplicationFailure.nonRetryable('declined', 'Card'))`,
      context,
    );
    expect(error instanceof Error).toBe(false); // another realm's Error
    expect(error).toBeInstanceOf(ours.ActivityFailure);
    expect(error.cause).toBeInstanceOf(ours.ApplicationFailure);
    const failure = ours.defaultFailureConverter.errorToFailure(error, ours.defaultPayloadConverter);
    expect(failure.activityFailureInfo?.activityType?.name).toBe('charge');
    expect(failure.cause?.applicationFailureInfo).toMatchObject({ type: 'Card', nonRetryable: true });
  });

  test('the check reports a Node built-in import with the importing file', async () => {
    const result = await bundleForIsolate(path.join(__dirname, 'fixtures', 'imports-node-builtin.ts'));
    expect(result.nodeImports).toEqual([
      { module: 'node:fs', importer: path.join('test', 'fixtures', 'imports-node-builtin.ts') },
      { module: 'path', importer: path.join('test', 'fixtures', 'imports-node-builtin.ts') },
    ]);
  });
});
