import { randomUUID } from 'node:crypto';
import { NamespaceRecord } from '../persistence/persistence';

export const DEFAULT_RETENTION_MS = 24 * 3600 * 1000;

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
    return [...this.byName.values()].sort((a, b) => a.createdTime - b.createdTime || a.name.localeCompare(b.name));
  }

  put(record: NamespaceRecord): void {
    this.byName.set(record.name, record);
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
