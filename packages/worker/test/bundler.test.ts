import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { transformSync } from 'esbuild';
import { SHARED_MODULES } from '@kairos/workflow/lib/shared-modules';
import type { Logger } from '@kairos/common';
import {
  allowedBuiltinModules,
  bundleWorkflowCode,
  disallowedBuiltinModules,
  disallowedModules,
  WorkflowBundleError,
  WorkflowCodeBundler,
  type BundleOptions,
  type BundlerPlugin,
  type WorkflowBundleWithSourceMap,
} from '../src/workflow/bundler';

const fixtures = path.join(__dirname, 'fixtures', 'bundler');
const fixture = (...parts: string[]) => path.join(fixtures, ...parts);

interface UserModules {
  workflows: Record<string, (...args: any[]) => any>;
  interceptorModules: Record<string, unknown>[];
  payloadConverter: unknown;
  failureConverter: unknown;
}

/** Stand-ins for the modules the isolate's runtime shares with the bundle. */
function sharedModuleStubs(): Record<string, unknown> {
  const assert = (value: unknown) => {
    if (!value) throw new Error('assertion failed');
  };
  return {
    '@kairos/workflow': {
      proxyActivities: () => ({ greet: (name: string) => Promise.resolve(`Hello, ${name}`) }),
      sleep: () => Promise.resolve(),
    },
    '@kairos/common': { ApplicationFailure: { nonRetryable: (message: string) => new Error(message) } },
    assert: Object.assign(assert, { default: assert }),
    url: { URL, URLSearchParams },
    util: { TextEncoder, TextDecoder },
  };
}

/** Evaluates a bundle the way the isolate does, in a context whose `__KAIROS__.require` serves the stubs. */
function loadBundle(bundle: WorkflowBundleWithSourceMap) {
  const stubs = sharedModuleStubs();
  const required: string[] = [];
  const context = vm.createContext({
    __KAIROS__: {
      require(name: string) {
        required.push(name);
        if (!(name in stubs)) throw new Error(`no shared module ${name}`);
        return stubs[name];
      },
    },
  });
  const globalsBefore = Object.keys(context);
  new vm.Script(bundle.code, { filename: 'kairos-workflow-bundle.js' }).runInContext(context);
  const factory = context.__KAIROS_USER_FACTORY__ as () => UserModules;
  return { context, factory, required, globalsBefore };
}

/** Where the innermost bundle frame of the error that `fn` throws comes from, according to the source map. */
function originalPositionOfThrow(bundle: WorkflowBundleWithSourceMap, fn: () => unknown) {
  let stack = '';
  try {
    fn();
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  const frame = /kairos-workflow-bundle\.js:(\d+):(\d+)/.exec(stack);
  if (frame === null) throw new Error(`no bundle frame in ${stack}`);
  return new SourceMap(bundle.sourceMap as any).findEntry(Number(frame[1]) - 1, Number(frame[2]) - 1);
}

async function bundleError(options: BundleOptions): Promise<Error> {
  try {
    await bundleWorkflowCode(options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected bundling to fail');
}

/** A scratch directory with the given files, for tests that change files or need one-off modules. */
function scratchDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-bundler-'));
  for (const [name, contents] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), contents);
  }
  scratchDirs.push(dir);
  return dir;
}
const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bundleWorkflowCode', () => {
  it('leaves @kairos/workflow and @kairos/common to the runtime and bundles deep paths that are not shared', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('basic', 'workflows.ts') });
    expect(bundle.code).toContain('require("@kairos/workflow")');
    expect(bundle.code).toContain('require("@kairos/common")');
    expect(bundle.code).not.toContain('class CancellationScope');
    expect(bundle.code).toContain('function decodePriority');
    expect(bundle.code).not.toContain('sourceMappingURL');

    const { factory, required, context, globalsBefore } = loadBundle(bundle);
    expect(Object.keys(context)).toEqual([...globalsBefore, '__KAIROS_USER_FACTORY__']);
    expect(required).toEqual([]);

    const user = factory();
    expect(required.sort()).toEqual(['@kairos/common', '@kairos/workflow']);
    expect(Object.keys(user.workflows).sort()).toEqual([
      'countingWorkflow',
      'failingWorkflow',
      'greetingWorkflow',
      'priorityWorkflow',
    ]);
    await expect(user.workflows.greetingWorkflow('Ada')).resolves.toBe('Hello, Ada');
    expect(user.workflows.priorityWorkflow()).toEqual({ priorityKey: 3 });
    expect(user).toMatchObject({ interceptorModules: [], payloadConverter: undefined, failureConverter: undefined });
  });

  it('instantiates fresh module state on each call of the factory', async () => {
    const { factory } = loadBundle(await bundleWorkflowCode({ workflowsPath: fixture('basic', 'workflows.ts') }));
    const first = factory();
    const second = factory();
    expect(first.workflows).not.toBe(second.workflows);
    expect([first.workflows.countingWorkflow(), first.workflows.countingWorkflow()]).toEqual([1, 2]);
    expect(second.workflows.countingWorkflow()).toBe(1);
    expect(first.workflows.countingWorkflow()).toBe(3);
  });

  it('bundles CommonJS workflow code', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('cjs', 'workflows.cjs') });
    const { factory } = loadBundle(bundle);
    const first = factory();
    expect(first.workflows.cjsWorkflow()).toBe('calls=1 sleep=function');
    expect(first.workflows.cjsWorkflow()).toBe('calls=2 sleep=function');
    expect(factory().workflows.cjsWorkflow()).toBe('calls=1 sleep=function');
  });

  it('bundles ES module workflow code in .mjs and .js files', async () => {
    const { factory } = loadBundle(await bundleWorkflowCode({ workflowsPath: fixture('esm', 'workflows.mjs') }));
    expect(factory().workflows.esmWorkflow(21)).toBe('42 function');
  });

  it('takes a directory as workflowsPath and loads its index', async () => {
    const { factory } = loadBundle(await bundleWorkflowCode({ workflowsPath: fixture('directory') }));
    expect(factory().workflows.indexWorkflow()).toBe('from index');
  });

  it("resolves third-party packages from the project's node_modules, preferring their ES module build", async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('third-party', 'workflows.ts') });
    const { factory } = loadBundle(bundle);
    expect(factory().workflows.thirdPartyWorkflow('Hi')).toBe('HI! hi...');
    expect(bundle.sourceMap.sources).toContain(fixture('third-party', 'node_modules', 'fake-lib', 'dist', 'index.mjs'));
  });

  it('loads preload modules, workflows, interceptor modules and converters in order', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: fixture('converters', 'workflows.ts'),
      preloadModules: [fixture('converters', 'preload.ts')],
      workflowInterceptorModules: [fixture('converters', 'interceptors.ts'), './more-interceptors.cjs'],
      payloadConverterPath: fixture('converters', 'payload-converter.ts'),
      failureConverterPath: fixture('converters', 'failure-converter.cjs'),
    });
    const { factory, context } = loadBundle(bundle);
    const user = factory();
    expect(context.preloadOrder).toEqual(['preload', 'workflows']);
    expect(user.workflows.plainWorkflow()).toBe('plain');
    expect(user.interceptorModules.map((mod) => mod.label)).toEqual(['first-interceptors', 'second-interceptors']);
    expect(user.interceptorModules.every((mod) => typeof mod.interceptors === 'function')).toBe(true);
    expect(user.payloadConverter).toEqual({ kind: 'custom payload converter' });
    expect(user.failureConverter).toEqual({ kind: 'custom failure converter' });
  });

  it('fails at bundle time when an ES module converter lacks its export', async () => {
    const error = await bundleError({
      workflowsPath: fixture('converters', 'workflows.ts'),
      payloadConverterPath: fixture('converters', 'no-converter.ts'),
    });
    expect(error).toBeInstanceOf(WorkflowBundleError);
    expect(error.name).toBe('WorkflowBundleError');
    expect(error.message).toContain(
      `payloadConverterPath ${fixture('converters', 'no-converter.ts')} has no export named 'payloadConverter'`,
    );
  });

  it('makes the factory throw when a CommonJS converter lacks its export', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: fixture('converters', 'workflows.ts'),
      failureConverterPath: fixture('converters', 'no-converter.cjs'),
    });
    const { factory } = loadBundle(bundle);
    expect(() => factory()).toThrow(
      `failureConverterPath "${fixture('converters', 'no-converter.cjs')}" has no export named 'failureConverter'`,
    );
  });

  it('rejects a Node built-in imported two levels deep, naming the import chain and the fixes', async () => {
    const error = await bundleError({ workflowsPath: fixture('disallowed', 'workflows.ts') });
    expect(error).toBeInstanceOf(WorkflowBundleError);
    const rel = (file: string) => path.relative(process.cwd(), fixture('disallowed', file));
    expect(error.message).toContain(
      `'fs' imported by ${rel('helpers/io.ts')} ← ${rel('helpers/reports.ts')} ← ${rel('workflows.ts')}`,
    );
    expect(error.message).toContain(`'node:path' imported by ${rel('helpers/io.ts')}`);
    expect(error.message).toContain('activity');
    expect(error.message).toContain('ignoreModules');
  });

  it('replaces modules listed in ignoreModules with empty modules, in either spelling of a built-in', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: fixture('disallowed', 'workflows.ts'),
      ignoreModules: ['fs', 'path'],
    });
    const { factory } = loadBundle(bundle);
    expect(factory().workflows.reportingWorkflow()).toBe('done');
  });

  it('rejects Kairos packages that only run in Node and suggests type-only imports', async () => {
    const dir = scratchDir({
      'workflows.ts': "import { Context } from '@kairos/activity';\nexport const usesContext = () => Context;\n",
    });
    const error = await bundleError({ workflowsPath: path.join(dir, 'workflows.ts') });
    expect(error.message).toContain("'@kairos/activity' imported by");
    expect(error.message).toContain('import type');
  });

  it('provides assert, url and util (also as node:url) from the runtime', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('builtins', 'workflows.ts') });
    const { factory, required } = loadBundle(bundle);
    expect(factory().workflows.builtinsWorkflow('https://example.com/a')).toBe('example.com 2');
    expect(required.sort()).toEqual(['assert', 'url', 'util']);
  });

  it('asks the runtime for shared modules by their listed names, whatever the spelling of the import', async () => {
    const dir = scratchDir({
      'workflows.ts': [
        "import strictEqual from 'node:assert';",
        "import { sleep } from '@kairos/workflow/lib/workflow.js';",
        "import { msToNumber } from '@kairos/common/lib/time';",
        'export const used = [strictEqual, sleep, msToNumber];',
      ].join('\n'),
    });
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(dir, 'workflows.ts') });
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]).sort();
    expect(required).toEqual(['@kairos/common/lib/time', '@kairos/workflow/lib/workflow', 'assert']);
    expect(SHARED_MODULES).toEqual(expect.arrayContaining(required));
  });

  it('lowers async functions, async generators and for await to generators and promises', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('async', 'workflows.ts') });
    expect(bundle.code).not.toMatch(/\basync\s+(function|\(|\w+\s*=>)|\bawait\s/);
    const { factory } = loadBundle(bundle);
    await expect(factory().workflows.asyncWorkflow(3)).resolves.toBe(12);
  });

  it('compiles decorators and keeps class names that scope hoisting would rename', async () => {
    const { factory } = loadBundle(await bundleWorkflowCode({ workflowsPath: fixture('decorators', 'workflows.ts') }));
    expect(factory().workflows.namesWorkflow()).toEqual(['SameName', 'SameName', 'first', 'second']);
  });

  it('returns a source map that maps stack frames back to the absolute path of the workflows file', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fixture('basic', 'workflows.ts') });
    expect(bundle.sourceMap.file).toBe('kairos-workflow-bundle.js');
    expect(bundle.sourceMap.sources.every((source) => path.isAbsolute(source))).toBe(true);
    expect(bundle.sourceMap.sourcesContent).toHaveLength(bundle.sourceMap.sources.length);

    const { factory } = loadBundle(bundle);
    const entry = originalPositionOfThrow(bundle, () => factory().workflows.failingWorkflow());
    expect(entry).toMatchObject({ originalSource: fixture('basic', 'workflows.ts'), originalLine: 17 });
  });

  it('follows the source maps of compiled JavaScript back to the TypeScript sources', async () => {
    const source = "export function compiledWorkflow(): string {\n  throw new Error('compiled-marker');\n}\n";
    const compiled = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      sourcemap: 'external',
      sourcefile: '../src/workflows.ts',
    });
    const dir = scratchDir({
      'src/workflows.ts': source,
      'lib/workflows.js': `${compiled.code}//# sourceMappingURL=workflows.js.map\n`,
      'lib/workflows.js.map': compiled.map,
    });
    const bundle = await bundleWorkflowCode({ workflowsPath: path.join(dir, 'lib', 'workflows.js') });
    expect(bundle.sourceMap.sources).toContain(path.join(dir, 'src', 'workflows.ts'));
    const { factory } = loadBundle(bundle);
    expect(() => factory().workflows.compiledWorkflow()).toThrow('compiled-marker');
    const entry = originalPositionOfThrow(bundle, () => factory().workflows.compiledWorkflow());
    expect(entry).toMatchObject({ originalSource: path.join(dir, 'src', 'workflows.ts'), originalLine: 1 });
  });

  it('rejects webpackConfigHook with an explanation of what to use instead', async () => {
    const options = { workflowsPath: fixture('basic', 'workflows.ts'), webpackConfigHook: (config: any) => config };
    expect(() => new WorkflowCodeBundler(options)).toThrow(TypeError);
    await expect(bundleWorkflowCode(options)).rejects.toThrow(/webpack.*not supported|not supported.*webpack/);
    await expect(bundleWorkflowCode(options)).rejects.toThrow(/ignoreModules/);
  });

  it("applies the plugins' configureBundler in order", async () => {
    const calls: string[] = [];
    const plugins: BundlerPlugin[] = [
      {
        name: 'adds-interceptors',
        configureBundler(options) {
          calls.push(this.name);
          return { ...options, workflowInterceptorModules: [fixture('converters', 'interceptors.ts')] };
        },
      },
      {
        name: 'sees-interceptors',
        configureBundler(options) {
          calls.push(`${this.name}:${options.workflowInterceptorModules?.length}`);
          return options;
        },
      },
    ];
    const bundler = new WorkflowCodeBundler({ workflowsPath: fixture('converters', 'workflows.ts'), plugins });
    expect(calls).toEqual(['adds-interceptors', 'sees-interceptors:1']);
    const { factory } = loadBundle(await bundler.createBundle());
    expect(factory().interceptorModules.map((mod) => mod.label)).toEqual(['first-interceptors']);
  });

  it('reuses the cached bundle while no input file changes and rebuilds when one does', async () => {
    const dir = scratchDir({
      'workflows.ts': "import { answer } from './answer';\nexport const answerWorkflow = () => answer;\n",
      'answer.ts': 'export const answer = 41;\n',
    });
    const options = { workflowsPath: path.join(dir, 'workflows.ts') };
    const first = await bundleWorkflowCode(options);
    expect(await bundleWorkflowCode(options)).toBe(first);

    fs.writeFileSync(path.join(dir, 'answer.ts'), 'export const answer = 42;\n');
    const second = await bundleWorkflowCode(options);
    expect(second).not.toBe(first);
    expect(loadBundle(second).factory().workflows.answerWorkflow()).toBe(42);
    expect(await bundleWorkflowCode(options)).toBe(second);
  });

  it('logs the size and duration of each bundle at debug level', async () => {
    const debug = jest.fn();
    const logger = { debug, warn: jest.fn() } as unknown as Logger;
    const dir = scratchDir({ 'workflows.ts': 'export const loggedWorkflow = () => 1;\n' });
    await bundleWorkflowCode({ workflowsPath: path.join(dir, 'workflows.ts'), logger });
    expect(debug).toHaveBeenCalledWith(
      expect.stringMatching(/^Workflow bundle created: [\d.]+ KiB in \d+ ms$/),
      expect.objectContaining({ sizeBytes: expect.any(Number), durationMs: expect.any(Number) }),
    );
  });

  it('lists the built-ins and Node-only packages that workflow code may not import', () => {
    expect(allowedBuiltinModules).toEqual(['assert', 'url', 'util']);
    expect(disallowedBuiltinModules).toEqual(expect.arrayContaining(['fs', 'node:fs', 'fs/promises', 'node:crypto']));
    expect(disallowedBuiltinModules).not.toEqual(expect.arrayContaining(['url']));
    expect(disallowedBuiltinModules).not.toContain('node:util');
    expect(disallowedModules).toEqual(
      expect.arrayContaining(['@kairos/client', '@kairos/worker', '@kairos/common/lib/internal-non-workflow']),
    );
  });
});
