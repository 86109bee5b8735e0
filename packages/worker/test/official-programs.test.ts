/**
 * Programs written for the official SDK (`test/official-programs/<name>/`: `workflows.ts`, `activities.ts`,
 * `worker.ts`, `client.ts`, importing `@temporalio/*`) run on Kairos after the one-step migration: every
 * `@temporalio/` becomes `@kairos/`, nothing else changes. Each rewritten copy is written under
 * `official-programs/.generated/` (so `@kairos/*` resolves through this package's node_modules), type-checked
 * against the Kairos types, and run: its `worker.ts` against the Kairos `Worker`, its `client.ts` against the
 * Kairos client, on the Kairos dev server. The hello-world program also runs unchanged on the official SDK against
 * the same server, as a reference.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { capturedLogs, taskQueueFor, TestEnv } from './helpers/env';

// `@kairos/worker` is this package; the programs get its sources, the same module instance the tests use.
jest.mock('@kairos/worker', () => jest.requireActual('../src'), { virtual: true });

jest.setTimeout(Number(process.env.KAIROS_TEST_TIMEOUT ?? 60_000));

const programsRoot = path.resolve(__dirname, 'official-programs');
const generatedRoot = path.join(programsRoot, '.generated', `run-${process.pid}`);
const PROGRAMS = fs
  .readdirSync(programsRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
  .map((entry) => entry.name)
  .sort();

/** The whole migration: the import scope changes, nothing else. */
function migrate(source: string): string {
  return source.replaceAll('@temporalio/', '@kairos/');
}

function copyMigrated(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyMigrated(source, target);
    else fs.writeFileSync(target, migrate(fs.readFileSync(source, 'utf8')));
  }
}

function programFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file));
}

/** TypeScript errors of `files`, formatted one per line. */
function typeErrors(files: string[], paths?: ts.MapLike<string[]>): string[] {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    paths,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(programsRoot, d.file.fileName)}:${line + 1}: ${message}`;
  });
}

interface WorkerModule {
  runWorker<R>(address: string, taskQueue: string, clientProgram: () => Promise<R>): Promise<R>;
}
interface ClientModule {
  run(address: string, taskQueue: string): Promise<unknown>;
}

let env: TestEnv;
let printed: string[] = [];

beforeAll(async () => {
  fs.rmSync(generatedRoot, { recursive: true, force: true });
  for (const name of PROGRAMS) copyMigrated(path.join(programsRoot, name), path.join(generatedRoot, name));
  env = await TestEnv.start();
});

afterAll(async () => {
  await env?.teardown();
  if (!process.env.KAIROS_KEEP_GENERATED) fs.rmSync(generatedRoot, { recursive: true, force: true });
});

beforeEach(() => {
  printed = [];
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** Runs a program's worker until its client program finishes; returns what the client program returned. */
async function runProgram<R>(name: string, dir = path.join(generatedRoot, name)): Promise<R> {
  const worker = require(path.join(dir, 'worker.ts')) as WorkerModule;
  const client = require(path.join(dir, 'client.ts')) as ClientModule;
  const taskQueue = taskQueueFor(name);
  return (await worker.runWorker(env.address, taskQueue, () => client.run(env.address, taskQueue))) as R;
}

describe('the programs', () => {
  it('are the expected set', () => {
    expect(PROGRAMS).toEqual(['hello-world']);
  });

  it('type-check against the official SDK as written', () => {
    expect(typeErrors(PROGRAMS.flatMap((name) => programFiles(path.join(programsRoot, name))))).toEqual([]);
  });

  it('type-check against Kairos after the scope swap', () => {
    const workerSrc = path.resolve(__dirname, '../src');
    const paths = { '@kairos/worker': [path.join(workerSrc, 'index.ts')], '@kairos/worker/lib/*': [`${workerSrc}/*`] };
    expect(typeErrors(programFiles(generatedRoot), paths)).toEqual([]);
  });
});

describe('hello-world', () => {
  it('runs on Kairos', async () => {
    expect(await runProgram('hello-world')).toBe('Hello, Temporal!');
    expect(printed).toContain('Hello, Temporal!');
  });

  it('runs unchanged on the official SDK against the same server (reference)', async () => {
    if (env.kind !== 'kairos') return;
    expect(await runProgram('hello-world', path.join(programsRoot, 'hello-world'))).toBe('Hello, Temporal!');
  });
});

void capturedLogs;
