/**
 * Finds the line of a key in TOML text, for error messages. TOML parsers report positions only for syntax
 * errors; for a well-formed file with a wrong value the line is found here by following table headers
 * (`[profile.prod.tls]`) and keys (`server_name = ...`, dotted `tls.server_name = ...`).
 *
 * @module
 */

/** Splits a dotted key (`a."b.c".d`) into its parts, without quotes. */
function splitKey(key: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/gy;
  let match: RegExpExecArray | null;
  while (re.lastIndex < key.length && (match = re.exec(key)) !== null) {
    parts.push(match[1] ?? match[2] ?? match[3]);
    if (match[0].length === 0) break;
  }
  return parts;
}

function commonPrefix(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The 1-based line where `keyPath` (or, failing that, the closest enclosing table or key) is defined; undefined
 * when nothing on the path is found.
 */
export function lineOfKey(text: string, keyPath: string[]): number | undefined {
  let table: string[] = [];
  let best: { line: number; depth: number } | undefined;
  const consider = (fullPath: string[], line: number) => {
    const depth = commonPrefix(fullPath, keyPath);
    // Only a definition on the path counts: a whole match, or a table/key that encloses the key.
    if (depth < fullPath.length) return;
    if (best === undefined || depth > best.depth) best = { line, depth };
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$/.exec(line);
    if (header) {
      table = splitKey(header[1]);
      consider(table, i + 1);
      continue;
    }
    const assignment = /^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=/.exec(line);
    if (assignment) consider([...table, ...splitKey(assignment[1])], i + 1);
  }
  return best?.line;
}
