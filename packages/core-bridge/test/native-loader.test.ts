// The loader picks a local build, then the platform's prebuilt package, and otherwise says which package is missing
// and how to build from source.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  currentPlatform,
  loadNativeBinding,
  NativeBindingLoadError,
  PREBUILT_PLATFORMS,
  platformPackageName,
} from '../src/native-loader';
import { native } from '../src';

let emptyPackage: string;
beforeAll(() => {
  emptyPackage = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-loader-'));
});
afterAll(() => {
  fs.rmSync(emptyPackage, { recursive: true, force: true });
});

/** A require that finds nothing, as Node reports it. */
const notFound = (id: string) => {
  throw Object.assign(new Error(`Cannot find module '${id}'\nRequire stack:\n- x`), { code: 'MODULE_NOT_FOUND' });
};

test('names platforms as napi-rs does', () => {
  expect(currentPlatform('linux', 'x64', () => false)).toBe('linux-x64-gnu');
  expect(currentPlatform('linux', 'arm64', () => true)).toBe('linux-arm64-musl');
  expect(currentPlatform('darwin', 'arm64')).toBe('darwin-arm64');
  expect(currentPlatform('win32', 'x64')).toBe('win32-x64-msvc');
  expect(Object.keys(PREBUILT_PLATFORMS)).toContain(currentPlatform());
});

test("loads the platform package when there is no local build, and that package's binary works", () => {
  const loaded: string[] = [];
  const binding = loadNativeBinding({
    platform: 'linux-x64-gnu',
    packageDir: emptyPackage,
    version: '0.1.0',
    env: {},
    load: (id) => (loaded.push(id), { id }),
  });
  expect(binding).toEqual({ id: '@kairos/core-bridge-linux-x64-gnu' });
  expect(loaded).toEqual(['@kairos/core-bridge-linux-x64-gnu']);
});

test('a missing platform package is named, with the command to install it and how to build from source', () => {
  const load = () =>
    loadNativeBinding({
      platform: 'darwin-arm64',
      packageDir: emptyPackage,
      version: '0.3.1',
      env: {},
      load: notFound,
    });
  expect(load).toThrow(NativeBindingLoadError);
  expect(load).toThrow(/@kairos\/core-bridge-darwin-arm64, which is not installed/);
  expect(load).toThrow(/npm install @kairos\/core-bridge-darwin-arm64@0\.3\.1/);
  expect(load).toThrow(/cargo.*pnpm --filter @kairos\/core-bridge build.*KAIROS_CORE_BRIDGE_NODE/);
});

test('a platform without a prebuilt binary is told which platforms have one and how to build from source', () => {
  const load = () =>
    loadNativeBinding({
      platform: 'linux-arm64-musl',
      packageDir: emptyPackage,
      version: '0.1.0',
      env: {},
      load: notFound,
    });
  expect(load).toThrow(/no prebuilt binary for linux-arm64-musl .*linux-x64-gnu, linux-arm64-gnu, darwin-arm64/);
  expect(load).toThrow(/build the core from source/);
});

test('a platform package that fails to load says so with the cause', () => {
  const broken = new Error('/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.99` not found');
  const load = () =>
    loadNativeBinding({
      platform: 'linux-x64-gnu',
      packageDir: emptyPackage,
      version: '0.1.0',
      env: {},
      load: () => {
        throw broken;
      },
    });
  expect(load).toThrow(/@kairos\/core-bridge-linux-x64-gnu failed to load: .*GLIBC_2\.99/);
});

test('KAIROS_CORE_BRIDGE_NODE wins over everything else', () => {
  const loaded: string[] = [];
  loadNativeBinding({
    platform: 'linux-x64-gnu',
    packageDir: emptyPackage,
    version: '0.1.0',
    env: { KAIROS_CORE_BRIDGE_NODE: '/opt/kairos/core.node' },
    load: (id) => (loaded.push(id), {}),
  });
  expect(loaded).toEqual(['/opt/kairos/core.node']);
});

test('the real binding exports what the generated typings declare', () => {
  const declared = fs.readFileSync(path.join(__dirname, '..', 'src', 'native.d.ts'), 'utf8');
  const names = [...declared.matchAll(/^export declare (?:function|class) (\w+)/gm)].map((m) => m[1]).sort();
  expect(names.length).toBeGreaterThan(5);
  expect(Object.keys(native()).sort()).toEqual(names);
  expect(platformPackageName(currentPlatform())).toMatch(/^@kairos\/core-bridge-/);
});
