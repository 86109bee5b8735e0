// The rules every published @kairos/* package.json follows, in one place: `check-packages.mjs` reports where a
// package breaks them and `--fix` rewrites the fields the rules derive (exports, files, engines, repository,
// publishConfig, caret ranges). Examples and the bench are private and not checked.
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Where the monorepo lives; `repository.directory` points into it. Confirm the URL before the first publish. */
export const REPOSITORY_URL = 'git+https://github.com/kairos-sdk/kairos.git';
export const NODE_ENGINES = '>=20.3.0';

/**
 * Third-party dependencies that may not take a plain caret range, and why. Everything else is `^x.y.z`, so an
 * application shares one copy of a library with its other dependencies.
 */
export const RANGE_EXCEPTIONS = {
  // @opentelemetry/sdk-trace-base 2.x declares the peer range `>=1.3.0 <1.10.0`; api 1.10 makes npm fail (ERESOLVE).
  '@opentelemetry/api': '>=1.9.1 <1.10.0',
};

/**
 * Packages whose modules only define their exports, so a bundler may drop any it does not use. The others run
 * code on import (the workflow runtime installs globals in the isolate; the Node-only packages have CLI and child
 * process entry points) and keep the bundler's default.
 */
export const SIDE_EFFECT_FREE = new Set([
  '@kairos/proto',
  '@kairos/common',
  '@kairos/client',
  '@kairos/activity',
  '@kairos/envconfig',
  '@kairos/plugin',
  '@kairos/interceptors-otel',
]);

/** Files a package ships beyond its compiled `lib` (without source maps), and why. */
export const EXTRA_FILES = {
  // generated protobufjs code and descriptor; the .proto sources for tools that read the schema
  '@kairos/proto': ['generated', 'protos'],
  // the workflow runtime bundle's source map, read by the worker to map isolate stack traces
  '@kairos/worker': ['lib/workflow/runtime-bundle.js.map'],
  // the example projects `create-kairos` copies (written by prepack)
  '@kairos/create': ['templates'],
};

/** Deep paths outside lib/ that users import, each mapped to a file. */
export const EXTRA_EXPORTS = {
  '@kairos/proto': {
    './generated/root': { types: './generated/root.d.ts', default: './generated/root.js' },
    './generated/root.js': { types: './generated/root.d.ts', default: './generated/root.js' },
    './generated/descriptor.json': './generated/descriptor.json',
    './generated/services.json': './generated/services.json',
    './protos/*': './protos/*',
  },
};

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'];

export function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The directories of the public packages (every package under packages/ that is not private). */
export function publicPackageDirs(root = ROOT) {
  const base = path.join(root, 'packages');
  return fs
    .readdirSync(base)
    .map((name) => path.join(base, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')) && !readJson(path.join(dir, 'package.json')).private)
    .sort();
}

/** The names of the private packages under packages/ (test support: never published, so never a runtime dependency). */
export function privatePackageNames(root = ROOT) {
  const base = path.join(root, 'packages');
  return new Set(
    fs
      .readdirSync(base)
      .map((name) => path.join(base, name, 'package.json'))
      .filter((file) => fs.existsSync(file))
      .map((file) => readJson(file))
      .filter((pkg) => pkg.private)
      .map((pkg) => pkg.name),
  );
}

/** Directories under src/ that hold an index.ts, as lib-relative paths (`workflow/bundler`). */
function indexDirectories(dir) {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, 'src', rel), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = rel ? `${rel}/${entry.name}` : entry.name;
      if (fs.existsSync(path.join(dir, 'src', sub, 'index.ts'))) out.push(sub);
      walk(sub);
    }
  };
  if (fs.existsSync(path.join(dir, 'src'))) walk('');
  return out.sort();
}

/**
 * The exports map: the package root, every module under lib/ (with or without `.js`, as the official SDK's users
 * deep-import `lib/*` paths), every folder with an index, package.json, and the package's extra deep paths.
 */
export function expectedExports(pkg, dir) {
  const exp = { '.': { types: './lib/index.d.ts', default: './lib/index.js' } };
  for (const sub of indexDirectories(dir)) {
    exp[`./lib/${sub}`] = { types: `./lib/${sub}/index.d.ts`, default: `./lib/${sub}/index.js` };
  }
  exp['./lib/*.js'] = { types: './lib/*.d.ts', default: './lib/*.js' };
  exp['./lib/*'] = { types: './lib/*.d.ts', default: './lib/*.js' };
  Object.assign(exp, EXTRA_EXPORTS[pkg.name] ?? {});
  exp['./package.json'] = './package.json';
  return exp;
}

export function expectedFiles(pkg) {
  return ['lib', '!lib/**/*.map', ...(EXTRA_FILES[pkg.name] ?? [])];
}

export function expectedRepository(dir, root = ROOT) {
  return { type: 'git', url: REPOSITORY_URL, directory: path.relative(root, dir).split(path.sep).join('/') };
}

/**
 * A peer dependency on another @kairos package is a floor (`workspace:>=0.1.0`), not `workspace:*`: changesets
 * gives a package a major bump whenever a peer's new version leaves its range (so `*`, the exact current version,
 * turned every 0.x minor release of the fixed group into 1.0.0); the fixed group keeps the versions in step.
 */
function kairosPeerRange(spec, version) {
  return /^workspace:>=/.test(spec) ? spec : `workspace:>=${version}`;
}

/** `1.2.3` → `^1.2.3`; ranges that are already ranges, workspace and file specs stay as they are. */
export function caretRange(name, spec) {
  if (RANGE_EXCEPTIONS[name]) return RANGE_EXCEPTIONS[name];
  return /^\d+\.\d+\.\d+$/.test(spec) ? `^${spec}` : spec;
}

const isCaret = (spec) => /^\^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec);
const isKairos = (name) => name.startsWith('@kairos/');

/** Resolves a subpath (`./lib/time`) through an exports map as Node does: exact key first, then the longest pattern. */
export function resolveExport(exportsMap, subpath) {
  const pick = (target) => (typeof target === 'string' ? target : (target?.default ?? target?.require));
  if (exportsMap[subpath] !== undefined) return pick(exportsMap[subpath]);
  let best;
  for (const key of Object.keys(exportsMap)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (!subpath.startsWith(prefix) || !subpath.endsWith(suffix) || subpath.length < key.length - 1) continue;
    if (
      !best ||
      prefix.length > best.prefix.length ||
      (prefix.length === best.prefix.length && key.length > best.key.length)
    ) {
      best = { key, prefix, suffix };
    }
  }
  if (!best) return undefined;
  const matched = subpath.slice(best.prefix.length, subpath.length - best.suffix.length);
  const target = pick(exportsMap[best.key]);
  return target?.replace('*', matched);
}

/** Whether a file a package exports is (or, for lib/, will be after the build) there: lib/x.js comes from src/x.ts. */
export function shippedFileExists(dir, rel) {
  const clean = rel.replace(/^\.\//, '');
  // without an exports map, Node's CommonJS lookup also tries `.js` and a folder's index.js
  const candidates = path.extname(clean) ? [clean] : [clean, `${clean}.js`, `${clean}/index.js`];
  return candidates.some((c) => {
    if (fs.existsSync(path.join(dir, c)) && fs.statSync(path.join(dir, c)).isFile()) return true;
    const m = /^lib\/(.+)\.(js|d\.ts)$/.exec(c);
    return !!m && fs.existsSync(path.join(dir, 'src', `${m[1]}.ts`));
  });
}

/** Whether `files` ships a package-relative path (a simple reading of npm's `files`: prefixes and `!` globs). */
export function filesInclude(files, rel) {
  const clean = rel.replace(/^\.\//, '');
  if (clean === 'package.json') return true;
  const toRegExp = (glob) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(.*/)?')
        .replace(/\*/g, '[^/]*')}$`,
    );
  let included = false;
  for (const entry of files) {
    if (entry.startsWith('!')) {
      if (toRegExp(entry.slice(1)).test(clean)) included = false;
    } else if (clean === entry || clean.startsWith(`${entry}/`) || toRegExp(entry).test(clean)) {
      included = true;
    }
  }
  return included;
}

/** Top-level code in src/ that would make `sideEffects: false` a lie: bare imports and writes to globals. */
export function sideEffectSites(dir) {
  const sites = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts')) {
        fs.readFileSync(p, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (
              /^import\s+['"]/.test(line) ||
              /^require\(/.test(line) ||
              /^(globalThis|global|process)\b/.test(line) ||
              /^Object\.(defineProperty|assign)\((globalThis|global)\b/.test(line)
            ) {
              sites.push(`${path.relative(dir, p)}:${i + 1}: ${line.trim()}`);
            }
          });
      }
    }
  };
  if (fs.existsSync(path.join(dir, 'src'))) walk(path.join(dir, 'src'));
  return sites;
}

/** What is wrong with one package's package.json, as readable sentences (empty when it follows every rule). */
export function checkPackage(dir, root = ROOT) {
  const pkg = readJson(path.join(dir, 'package.json'));
  const problems = [];
  const want = (cond, msg) => cond || problems.push(msg);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  want(/^@kairos\/[a-z0-9-]+$/.test(pkg.name ?? ''), `name must be @kairos/<name>, not ${pkg.name}`);
  want(typeof pkg.description === 'string' && pkg.description.length > 0, 'description is missing');
  want(pkg.license === 'MIT', `license must be MIT, not ${pkg.license}`);
  want(pkg.main === 'lib/index.js', `main must be lib/index.js, not ${pkg.main}`);
  want(pkg.types === 'lib/index.d.ts', `types must be lib/index.d.ts, not ${pkg.types}`);
  want(same(pkg.engines, { node: NODE_ENGINES }), `engines must be { node: '${NODE_ENGINES}' }`);
  want(same(pkg.repository, expectedRepository(dir, root)), 'repository must name the git URL and this directory');
  want(pkg.publishConfig?.access === 'public', 'publishConfig.access must be public');
  want(same(pkg.files, expectedFiles(pkg)), `files must be ${JSON.stringify(expectedFiles(pkg))}`);
  want(same(pkg.exports, expectedExports(pkg, dir)), 'exports must map ., lib/* (with index folders) and package.json');

  if (SIDE_EFFECT_FREE.has(pkg.name)) {
    want(pkg.sideEffects === false, 'sideEffects must be false');
    for (const site of sideEffectSites(dir)) problems.push(`sideEffects is false but src runs code on import: ${site}`);
  } else {
    want(pkg.sideEffects === undefined, 'sideEffects must be left out: this package runs code on import');
  }

  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, spec] of Object.entries(pkg[field] ?? {})) {
      if (isKairos(name) && field === 'peerDependencies') {
        want(/^workspace:>=\d+\.\d+\.\d+$/.test(spec), `${field}.${name} must be workspace:>=x.y.z, not ${spec}`);
      } else if (isKairos(name)) {
        want(spec === 'workspace:*', `${field}.${name} must be workspace:* (one version for all @kairos packages)`);
      } else if (RANGE_EXCEPTIONS[name]) {
        want(spec === RANGE_EXCEPTIONS[name], `${field}.${name} must be ${RANGE_EXCEPTIONS[name]}`);
      } else {
        want(isCaret(spec), `${field}.${name} must be a caret range (^x.y.z), not ${spec}`);
      }
    }
  }
  for (const name of Object.keys(pkg.peerDependencies ?? {})) {
    want(!pkg.dependencies?.[name], `${name} is both a dependency and a peer dependency`);
  }
  const unpublished = privatePackageNames(root);
  for (const field of DEPENDENCY_FIELDS) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      want(!unpublished.has(name), `${field}.${name} is a private package, never published: a devDependency at most`);
    }
  }

  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target)) {
      if (file.includes('*')) continue;
      want(filesInclude(pkg.files ?? [], file), `exports["${key}"] → ${file} is not in files`);
      want(shippedFileExists(dir, file), `exports["${key}"] → ${file} does not exist (nor its source)`);
    }
  }
  for (const bin of Object.values(typeof pkg.bin === 'string' ? { bin: pkg.bin } : (pkg.bin ?? {}))) {
    want(filesInclude(pkg.files ?? [], bin), `bin ${bin} is not in files`);
  }
  return problems;
}

/** Every `@kairos/<pkg>/<subpath>` specifier in the workspace's sources, tests, examples and benchmarks. */
export function deepImports(root = ROOT) {
  const found = new Map();
  const skip = new Set(['node_modules', 'lib', 'generated', 'target', 'templates', '.turbo', '.git']);
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|tsx|js|mjs|cjs)$/.test(entry.name)) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/['"`](@kairos\/[a-z0-9-]+)\/([^'"`*\s]+)['"`]/g)) {
          const key = `${m[1]}/${m[2]}`;
          if (!found.has(key)) found.set(key, path.relative(root, p));
        }
      }
    }
  };
  for (const top of ['packages', 'examples', 'bench'])
    if (fs.existsSync(path.join(root, top))) walk(path.join(root, top));
  return found;
}

/** Deep imports that the target package's exports map does not resolve to a file it ships. */
export function unresolvedDeepImports(root = ROOT) {
  const byName = new Map(publicPackageDirs(root).map((dir) => [readJson(path.join(dir, 'package.json')).name, dir]));
  const problems = [];
  for (const [spec, where] of deepImports(root)) {
    const [, name, sub] = /^(@kairos\/[a-z0-9-]+)\/(.+)$/.exec(spec);
    const dir = byName.get(name);
    if (!dir) continue;
    const pkg = readJson(path.join(dir, 'package.json'));
    const target = pkg.exports ? resolveExport(pkg.exports, `./${sub}`) : `./${sub}`;
    if (!target) problems.push(`${spec} (imported in ${where}) is not exported by ${name}`);
    else if (!shippedFileExists(dir, target)) problems.push(`${spec} (imported in ${where}) maps to missing ${target}`);
  }
  return problems;
}

/** Rewrites the derived fields of one package.json in place (keeping its other fields); returns whether it changed. */
export function fixPackage(dir, root = ROOT) {
  const file = path.join(dir, 'package.json');
  const before = fs.readFileSync(file, 'utf8');
  const pkg = JSON.parse(before);
  const next = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: 'MIT',
    repository: expectedRepository(dir, root),
    engines: { node: NODE_ENGINES },
    main: 'lib/index.js',
    types: 'lib/index.d.ts',
    exports: expectedExports(pkg, dir),
    sideEffects: SIDE_EFFECT_FREE.has(pkg.name) ? false : undefined,
    bin: pkg.bin,
    files: expectedFiles(pkg),
  };
  for (const [key, value] of Object.entries(pkg)) {
    if (key in next || key === 'publishConfig') continue;
    const range = (name, spec) =>
      !isKairos(name) ? caretRange(name, spec) : key === 'peerDependencies' ? kairosPeerRange(spec, pkg.version) : spec;
    next[key] = DEPENDENCY_FIELDS.includes(key)
      ? Object.fromEntries(Object.entries(value).map(([name, spec]) => [name, range(name, spec)]))
      : value;
  }
  next.publishConfig = { ...(pkg.publishConfig ?? {}), access: 'public' };
  const after = `${JSON.stringify(next, null, 2)}\n`;
  if (after !== before) fs.writeFileSync(file, after);
  return after !== before;
}

/** The folders of @kairos/core-bridge's prebuilt platform packages (packages/core-bridge/npm/<platform>). */
export function platformPackageDirs(root = ROOT) {
  const base = path.join(root, 'packages', 'core-bridge', 'npm');
  if (!fs.existsSync(base)) return [];
  return fs
    .readdirSync(base)
    .map((name) => path.join(base, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
    .sort();
}

/**
 * The prebuilt binaries line up: every napi target has a platform package, @kairos/core-bridge lists each one as an
 * optional dependency, its loader knows each platform, and each package.json says where its binary runs.
 */
export function checkPlatformPackages(root = ROOT) {
  const bridgeDir = path.join(root, 'packages', 'core-bridge');
  const bridge = readJson(path.join(bridgeDir, 'package.json'));
  const problems = [];
  const want = (cond, msg) => cond || problems.push(msg);
  const dirs = platformPackageDirs(root);
  const platforms = dirs.map((dir) => path.basename(dir));
  const loaderSource = fs.readFileSync(path.join(bridgeDir, 'src', 'native-loader.ts'), 'utf8');
  const loaderBlock = /PREBUILT_PLATFORMS[^{]*\{([^}]*)\}/.exec(loaderSource)?.[1] ?? '';
  const loaderPlatforms = [...loaderBlock.matchAll(/'([a-z0-9-]+)':\s*'([a-z0-9_-]+)'/g)].map((m) => [m[1], m[2]]);
  const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

  want(platforms.length === (bridge.napi?.targets ?? []).length, 'each napi target needs a folder in npm/');
  want(
    same(
      loaderPlatforms.map(([, triple]) => triple),
      bridge.napi?.targets ?? [],
    ),
    'PREBUILT_PLATFORMS in src/native-loader.ts must list the napi targets of package.json',
  );
  want(
    same(
      loaderPlatforms.map(([platform]) => platform),
      platforms,
    ),
    'PREBUILT_PLATFORMS in src/native-loader.ts must name the platform packages in npm/',
  );
  want(
    same(
      Object.keys(bridge.optionalDependencies ?? {}),
      platforms.map((p) => `@kairos/core-bridge-${p}`),
    ),
    '@kairos/core-bridge optionalDependencies must be exactly its platform packages',
  );
  for (const dir of dirs) {
    const platform = path.basename(dir);
    const pkg = readJson(path.join(dir, 'package.json'));
    const where = `packages/core-bridge/npm/${platform}/package.json`;
    const binary = `core-bridge.${platform}.node`;
    want(pkg.name === `@kairos/core-bridge-${platform}`, `${where}: name must be @kairos/core-bridge-${platform}`);
    want(pkg.version === bridge.version, `${where}: version must be ${bridge.version}, as @kairos/core-bridge`);
    want(pkg.main === binary && same(pkg.files ?? [], [binary]), `${where}: main and files must be ${binary}`);
    want(pkg.os?.length === 1 && pkg.cpu?.length === 1, `${where}: os and cpu must name the one platform`);
    want(!platform.endsWith('-gnu') || same(pkg.libc ?? [], ['glibc']), `${where}: libc must be glibc`);
    want(pkg.license === 'MIT', `${where}: license must be MIT`);
    want(same(Object.entries(pkg.engines ?? {}).flat(), ['node', NODE_ENGINES]), `${where}: engines`);
    want(
      same(Object.values(pkg.repository ?? {}), Object.values(expectedRepository(dir, root))),
      `${where}: repository`,
    );
    want(pkg.publishConfig?.access === 'public', `${where}: publishConfig.access must be public`);
    want(bridge.optionalDependencies?.[pkg.name] === 'workspace:*', `${where}: core-bridge must depend on workspace:*`);
  }
  return problems;
}
