/**
 * An in-memory cache of workflow bundles that stays valid as long as the files a bundle was built from have the
 * same contents.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Content hash of each file, by absolute path; `undefined` for a file that could not be read. */
type FileHashes = Map<string, string | undefined>;

interface Entry<T> {
  value: T;
  hashes: FileHashes;
}

async function hashFile(file: string): Promise<string | undefined> {
  try {
    return createHash('sha1')
      .update(await readFile(file))
      .digest('base64');
  } catch {
    return undefined;
  }
}

async function hashFiles(files: Iterable<string>): Promise<FileHashes> {
  const list = [...files];
  const hashes = await Promise.all(list.map(hashFile));
  return new Map(list.map((file, index) => [file, hashes[index]]));
}

/**
 * Adds to `files` the configuration files that change how esbuild reads them: the nearest `package.json`
 * (module type, `sideEffects`) and `tsconfig.json` (decorators, paths) of each file's directory.
 */
export function withConfigFiles(files: readonly string[]): string[] {
  const nearest = new Map<string, string | undefined>();
  const find = (dir: string, name: string): string | undefined => {
    const key = path.join(dir, name);
    if (nearest.has(key)) return nearest.get(key);
    const parent = path.dirname(dir);
    const found = existsSync(key) ? key : parent === dir ? undefined : find(parent, name);
    nearest.set(key, found);
    return found;
  };
  const all = new Set(files);
  for (const file of files) {
    for (const name of ['package.json', 'tsconfig.json']) {
      const found = find(path.dirname(file), name);
      if (found !== undefined) all.add(found);
    }
  }
  return [...all];
}

/** Bundles by options key; an entry is returned only while every file it was built from is unchanged. */
export class ContentHashCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly maxEntries: number) {}

  /** The cached value for `key` if none of its files changed since it was stored. */
  async get(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const current = await hashFiles(entry.hashes.keys());
    for (const [file, hash] of entry.hashes) {
      if (hash === undefined || current.get(file) !== hash) {
        this.entries.delete(key);
        return undefined;
      }
    }
    // Re-inserting keeps the map in least-recently-used order for eviction.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` as built from `files` (absolute paths), hashing their current contents. */
  async set(key: string, value: T, files: readonly string[]): Promise<void> {
    const hashes = await hashFiles(files);
    this.entries.delete(key);
    this.entries.set(key, { value, hashes });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.clear();
  }
}
