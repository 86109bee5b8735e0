/**
 * Finds the core's native addon: a file named by `KAIROS_CORE_BRIDGE_NODE`, a local build next to package.json
 * (`pnpm build` in a clone), or the prebuilt binary in the platform's optional package
 * (`@kairos/core-bridge-linux-x64-gnu`, ...), which npm installs only on a matching machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The platforms with a prebuilt binary: napi-rs platform name → Rust target triple. */
export const PREBUILT_PLATFORMS: Readonly<Record<string, string>> = {
  'linux-x64-gnu': 'x86_64-unknown-linux-gnu',
  'linux-arm64-gnu': 'aarch64-unknown-linux-gnu',
  'darwin-arm64': 'aarch64-apple-darwin',
  'darwin-x64': 'x86_64-apple-darwin',
  'win32-x64-msvc': 'x86_64-pc-windows-msvc',
};

/** Thrown when no native addon fits this machine; the message says which package is missing and what to do. */
export class NativeBindingLoadError extends Error {
  override readonly name = 'NativeBindingLoadError';
}

/** The running machine as napi-rs names platforms: `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, ... */
export function currentPlatform(
  platform: string = process.platform,
  arch: string = process.arch,
  musl: () => boolean = isMusl,
): string {
  if (platform === 'linux') return `linux-${arch}-${musl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

/** The npm package holding the prebuilt addon of a platform. */
export function platformPackageName(platform: string): string {
  return `@kairos/core-bridge-${platform}`;
}

const BUILD_FROM_SOURCE =
  'To build the core from source (Rust 1.85+ with cargo, from https://rustup.rs): clone the Kairos repository, run ' +
  '`pnpm install && pnpm --filter @kairos/core-bridge build`, and point KAIROS_CORE_BRIDGE_NODE at the ' +
  'core-bridge.<platform>.node file it writes in packages/core-bridge.';

interface LoadOptions {
  platform?: string;
  version?: string;
  packageDir?: string;
  env?: NodeJS.ProcessEnv;
  load?: (id: string) => unknown;
}

/** Loads the addon for this machine, or throws a NativeBindingLoadError saying what is missing. */
export function loadNativeBinding(options: LoadOptions = {}): unknown {
  const platform = options.platform ?? currentPlatform();
  const packageDir = options.packageDir ?? path.join(__dirname, '..');
  const env = options.env ?? process.env;
  const load = options.load ?? require;
  const version = options.version ?? (require(path.join(packageDir, 'package.json')) as { version: string }).version;

  const explicit = env.KAIROS_CORE_BRIDGE_NODE;
  if (explicit) return loadFile(load, explicit, 'the file named by KAIROS_CORE_BRIDGE_NODE');

  const localBuild = path.join(packageDir, `core-bridge.${platform}.node`);
  if (fs.existsSync(localBuild)) return loadFile(load, localBuild, 'the local build');

  const pkg = platformPackageName(platform);
  if (!PREBUILT_PLATFORMS[platform]) {
    throw new NativeBindingLoadError(
      `@kairos/core-bridge has no prebuilt binary for ${platform} (Node ${process.version}); prebuilt: ` +
        `${Object.keys(PREBUILT_PLATFORMS).join(', ')}. ${BUILD_FROM_SOURCE}`,
    );
  }
  try {
    return load(pkg);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(`'${pkg}'`)) {
      throw new NativeBindingLoadError(
        `the Kairos core for ${platform} is in the package ${pkg}, which is not installed. npm installs it as an ` +
          'optional dependency of @kairos/core-bridge on a matching machine; it is missing when optional ' +
          'dependencies were omitted (--omit=optional, --no-optional) or node_modules or the lockfile came from ' +
          `another platform. Install it with \`npm install ${pkg}@${version}\`. ${BUILD_FROM_SOURCE}`,
        { cause: err },
      );
    }
    throw new NativeBindingLoadError(`the Kairos core in ${pkg} failed to load: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function loadFile(load: (id: string) => unknown, file: string, what: string): unknown {
  try {
    return load(path.resolve(file));
  } catch (err) {
    throw new NativeBindingLoadError(`${what} (${file}) failed to load: ${(err as Error).message}`, { cause: err });
  }
}
