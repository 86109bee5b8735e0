import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createProject, CreateProjectError, detectPackageManager, listExamples, rewriteManifest } from '../src';

jest.setTimeout(180_000);

const CLI = path.resolve(__dirname, '..', 'lib', 'cli.js');
const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-create-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Gives a generated project the workspace's packages instead of installing them from the registry: each dependency
 * is linked to the package the same example resolves in the workspace (`@kairos/*` to `packages/*`).
 */
function linkWorkspacePackages(project: string, example: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
    const target = path.join(project, 'node_modules', dep);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(EXAMPLES, example, 'node_modules', dep)), target, 'dir');
  }
}

test('lists the examples of the repository', () => {
  const { status, stdout } = cli('--list-examples');
  expect(status).toBe(0);
  const listed = stdout.trim().split('\n');
  expect(listed).toEqual(listExamples());
  expect(listed).toEqual(
    expect.arrayContaining(['hello-world', 'saga', 'mutex', 'patching', 'timers-and-conditions', 'replay']),
  );
});

test('writes hello-world on the published version, and its test passes against the workspace packages', () => {
  const project = path.join(tmp, 'my-app');
  const { status, stdout, stderr } = cli('my-app', '--example', 'hello-world', '--no-install');
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  expect(stdout).toContain(`Creating my-app from the hello-world example in ${project}`);

  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  expect(manifest.name).toBe('my-app');
  expect(manifest.dependencies).toEqual({
    '@kairos/activity': '^0.1.0',
    '@kairos/client': '^0.1.0',
    '@kairos/dev-server': '^0.1.0',
    '@kairos/envconfig': '^0.1.0',
    '@kairos/worker': '^0.1.0',
    '@kairos/workflow': '^0.1.0',
  });
  expect(manifest.devDependencies['@kairos/testing']).toBe('^0.1.0');
  expect(JSON.stringify(manifest)).not.toContain('workspace:');
  expect(manifest.scripts).toMatchObject({ start: 'tsx src/client.ts', test: 'jest' });
  for (const file of ['src/workflows.ts', 'src/activities.ts', 'src/worker.ts', 'src/client.ts', 'README.md']) {
    expect(fs.existsSync(path.join(project, file))).toBe(true);
  }
  expect(fs.existsSync(path.join(project, 'node_modules'))).toBe(false);
  expect(fs.readFileSync(path.join(project, '.gitignore'), 'utf8')).toContain('node_modules/');

  linkWorkspacePackages(project, 'hello-world');
  const jest = fs.realpathSync(path.join(EXAMPLES, 'hello-world', 'node_modules', 'jest', 'bin', 'jest.js'));
  const test = spawnSync(process.execPath, [jest, '--rootDir', project, '--ci'], { cwd: project, encoding: 'utf8' });
  expect(test.stderr).toMatch(/Tests:\s+5 passed, 5 total/);
  expect(test.status).toBe(0);
  const tsc = fs.realpathSync(path.join(EXAMPLES, 'hello-world', 'node_modules', 'typescript', 'bin', 'tsc'));
  const typecheck = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { encoding: 'utf8' });
  expect(typecheck.stdout).toBe('');
  expect(typecheck.status).toBe(0);
});

test('takes another example and version range', () => {
  const created = createProject({
    directory: path.join(tmp, 'trips'),
    example: 'saga',
    kairosVersion: '~1.2.3',
    install: false,
    log: () => undefined,
  });
  expect(created).toEqual({ directory: path.join(tmp, 'trips'), name: 'trips', example: 'saga' });
  const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'trips', 'package.json'), 'utf8'));
  expect(manifest.dependencies['@kairos/workflow']).toBe('~1.2.3');
  expect(fs.readFileSync(path.join(tmp, 'trips', 'src', 'workflows.ts'), 'utf8')).toContain('bookTrip');
});

test('refuses an unknown example, a folder that is not empty and a name npm would refuse', () => {
  const opts = { install: false as const, log: () => undefined };
  expect(() => createProject({ ...opts, directory: path.join(tmp, 'a'), example: 'nope' })).toThrow(
    new CreateProjectError(`example "nope" does not exist; choose one of: ${listExamples().join(', ')}`),
  );
  fs.mkdirSync(path.join(tmp, 'full'));
  fs.writeFileSync(path.join(tmp, 'full', 'x'), '');
  expect(() => createProject({ ...opts, directory: path.join(tmp, 'full') })).toThrow(
    `directory ${path.join(tmp, 'full')} exists and is not empty`,
  );
  expect(() => createProject({ ...opts, directory: path.join(tmp, 'My App') })).toThrow(
    'the folder name "My App" is not a valid package name',
  );
  const { status, stderr } = cli('x', '--example');
  expect({ status, stderr: stderr.trim() }).toEqual({ status: 1, stderr: 'create-kairos: --example needs a value' });
});

test('detects the package manager that runs it', () => {
  expect(detectPackageManager('pnpm/12.4.2 npm/? node/v20.20.2 linux x64')).toBe('pnpm');
  expect(detectPackageManager('yarn/1.22.22 npm/? node/v20.20.2')).toBe('yarn');
  expect(detectPackageManager('npm/11.19.1 node/v20.20.2')).toBe('npm');
  expect(detectPackageManager('')).toBe('npm');
});

test('rewrites only workspace dependencies', () => {
  expect(
    rewriteManifest(
      { name: 'x', private: true, dependencies: { '@kairos/client': 'workspace:*', other: '^1.0.0' } },
      'app',
      '^2.0.0',
    ),
  ).toEqual({
    name: 'app',
    version: '0.1.0',
    private: true,
    dependencies: { '@kairos/client': '^2.0.0', other: '^1.0.0' },
  });
});
