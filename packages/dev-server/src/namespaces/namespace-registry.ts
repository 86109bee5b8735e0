import { randomUUID } from 'node:crypto';
import { NamespaceRecord } from '../persistence/persistence';
import { enums } from '../internal/proto';

export const DEFAULT_RETENTION_MS = 24 * 3600 * 1000;

/** The real server's internal namespace, which its dev server lists too (with its well-known id). */
export const SYSTEM_NAMESPACE = {
  name: 'temporal-system',
  id: '32049b68-7872-4094-8e63-d0dd59896a83',
  description: 'Temporal internal system namespace',
  ownerEmail: 'temporal-core@temporal.io',
  retentionMs: 7 * 24 * 3600 * 1000,
};

const T = enums.IndexedValueType;

/** Names of the real server's SQL visibility columns for custom search attributes, by type (`Keyword01`, ...). */
const FIELD_PREFIXES: Record<number, string> = {
  [T.INDEXED_VALUE_TYPE_TEXT]: 'Text',
  [T.INDEXED_VALUE_TYPE_KEYWORD]: 'Keyword',
  [T.INDEXED_VALUE_TYPE_INT]: 'Int',
  [T.INDEXED_VALUE_TYPE_DOUBLE]: 'Double',
  [T.INDEXED_VALUE_TYPE_BOOL]: 'Bool',
  [T.INDEXED_VALUE_TYPE_DATETIME]: 'Datetime',
  [T.INDEXED_VALUE_TYPE_KEYWORD_LIST]: 'KeywordList',
};

/**
 * The field each custom search attribute of a namespace is stored in, as the real server names them: attributes
 * that have one keep it, and new ones take the lowest free field of their type (`Keyword01`, `Keyword02`, ...).
 */
export function searchAttributeFields(record: NamespaceRecord): Record<string, string> {
  const fields: Record<string, string> = {};
  const used = new Set<string>();
  for (const [name, field] of Object.entries(record.searchAttributeFields ?? {})) {
    const prefix = FIELD_PREFIXES[record.searchAttributes[name]];
    if (prefix && field.startsWith(prefix) && /^\d+$/.test(field.slice(prefix.length))) {
      fields[name] = field;
      used.add(field);
    }
  }
  for (const [name, type] of Object.entries(record.searchAttributes)) {
    if (fields[name] !== undefined) continue;
    const prefix = FIELD_PREFIXES[type] ?? 'Keyword';
    let n = 1;
    while (used.has(`${prefix}${String(n).padStart(2, '0')}`)) n += 1;
    fields[name] = `${prefix}${String(n).padStart(2, '0')}`;
    used.add(fields[name]);
  }
  return fields;
}

/** The namespaces the server knows, by name and by id. */
export class NamespaceRegistry {
  private readonly byName = new Map<string, NamespaceRecord>();

  get(name: string): NamespaceRecord | undefined {
    return this.byName.get(name);
  }

  getById(id: string): NamespaceRecord | undefined {
    for (const ns of this.byName.values()) if (ns.id === id) return ns;
    return undefined;
  }

  list(): NamespaceRecord[] {
    // Oldest first; those created together keep their order of creation (the real server lists them so).
    return [...this.byName.values()].sort((a, b) => a.createdTime - b.createdTime);
  }

  put(record: NamespaceRecord): void {
    this.byName.set(record.name, record);
  }

  delete(name: string): void {
    this.byName.delete(name);
  }

  static newRecord(name: string, now: number, searchAttributes: Record<string, number> = {}): NamespaceRecord {
    return {
      name,
      id: randomUUID(),
      description: '',
      ownerEmail: '',
      retentionMs: DEFAULT_RETENTION_MS,
      data: {},
      searchAttributes: { ...searchAttributes },
      createdTime: now,
    };
  }
}
