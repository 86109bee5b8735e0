/**
 * {@link createProject}: writes a new project from an example.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pkg from './pkg';
import { copyTree, listExamples, templatesDir } from './templates';

/** Options of {@link createProject}. */
export interface CreateProjectOptions {
  /** Folder of the new project; created, and must be empty if it exists. Its name becomes the package name. */
  directory: string;
  /**
   * The example to start from (`hello-world`, `saga`, ... see {@link listExamples}).
   *
   * @default hello-world
   */
  example?: string;
  /**
   * The version range of the `@kairos/*` dependencies.
   *
   * @default `^` and the version of this package (all `@kairos/*` packages share one version)
   */
  kairosVersion?: string;
  /**
   * The package manager that installs the dependencies, or `false` not to install them.
   *
   * @default the one running this command (from `npm_config_user_agent`), else npm
   */
  install?: 'npm' | 'pnpm' | 'yarn' | false;
  /** Where progress messages go; default `console.log`. */
  log?: (message: string) => void;
}

/** What {@link createProject} wrote. */
export interface CreatedProject {
  /** Absolute path of the project. */
  directory: string;
  /** The project's package name. */
  name: string;
  /** The example it was created from. */
  example: string;
  /** The package manager that installed its dependencies, if any did. */
  installedWith?: string;
}

/** Thrown for options that cannot work; the message names the option and the value. */
export class CreateProjectError extends Error {
  override readonly name = 'CreateProjectError';
}

const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** The package manager this process was started by, from `npm_config_user_agent` (`pnpm/12.4.2 npm/? node/...`). */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent ?? ''): 'npm' | 'pnpm' | 'yarn' {
  if (userAgent.startsWith('pnpm/')) return 'pnpm';
  if (userAgent.startsWith('yarn/')) return 'yarn';
  return 'npm';
}

/**
 * Writes a new project into `directory` from an example: its sources, tests, README and configuration, with a
 * `package.json` named after the folder whose `@kairos/*` dependencies are on the published version instead of
 * the repository's workspace. Then installs the dependencies unless `install` is false.
 *
 * @throws {@link CreateProjectError} for an unknown example, a folder that is not empty or a name npm refuses.
 */
export function createProject(options: CreateProjectOptions): CreatedProject {
  const log = options.log ?? ((message: string) => console.log(message));
  const example = options.example ?? 'hello-world';
  const available = listExamples();
  if (!available.includes(example)) {
    throw new CreateProjectError(
      `example ${JSON.stringify(example)} does not exist; choose one of: ${available.join(', ')}`,
    );
  }
  if (typeof options.directory !== 'string' || options.directory === '') {
    throw new CreateProjectError(`directory must name a folder, not ${JSON.stringify(options.directory)}`);
  }
  const directory = path.resolve(options.directory);
  const name = path.basename(directory);
  if (!PACKAGE_NAME.test(name)) {
    throw new CreateProjectError(
      `the folder name ${JSON.stringify(name)} is not a valid package name: use lower case letters, digits, - . _ ~`,
    );
  }
  if (fs.existsSync(directory) && fs.readdirSync(directory).length > 0) {
    throw new CreateProjectError(`directory ${directory} exists and is not empty`);
  }
  const range = options.kairosVersion ?? `^${pkg.version}`;

  log(`Creating ${name} from the ${example} example in ${directory}`);
  copyTree(path.join(templatesDir(), example), directory);
  const packageJsonPath = path.join(directory, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(packageJsonPath, 'utf8')) as Record<string, unknown>;
  const rewritten = rewriteManifest(manifest, name, range);
  fs.writeFileSync(packageJsonPath, `${JSON.stringify(rewritten, null, 2)}\n`);
  fs.writeFileSync(path.join(directory, '.gitignore'), 'node_modules/\nlib/\n*.db\n');

  const manager = options.install === undefined ? detectPackageManager() : options.install;
  if (manager === false) {
    log(`Done. Next: cd ${options.directory} && npm install && npm start`);
    return { directory, name, example };
  }
  log(`Installing dependencies with ${manager} (native modules compile on a first install: a few minutes)`);
  const result = spawnSync(manager, ['install'], {
    cwd: directory,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    throw new CreateProjectError(
      `${manager} install failed in ${directory} (${result.error?.message ?? `exit status ${result.status}`})`,
    );
  }
  log(`Done. Next: cd ${options.directory} && ${manager} start`);
  return { directory, name, example, installedWith: manager };
}

/**
 * The example's `package.json` for a project of its own: named `name`, every `workspace:` dependency on `range`
 * (the `@kairos/*` packages are versioned together), and without the description of the example.
 */
export function rewriteManifest(
  manifest: Record<string, unknown>,
  name: string,
  range: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...manifest, name, version: '0.1.0' };
  for (const field of ['dependencies', 'devDependencies']) {
    const deps = manifest[field] as Record<string, string> | undefined;
    if (!deps) continue;
    out[field] = Object.fromEntries(
      Object.entries(deps).map(([dep, spec]) => [dep, spec.startsWith('workspace:') ? range : spec]),
    );
  }
  return out;
}
