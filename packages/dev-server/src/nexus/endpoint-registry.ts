import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { temporal } from '../internal/proto';
import { failedPrecondition, invalidArgument, notFound, ServiceError } from '../errors';
import { msTimestamp } from '../internal/proto';
import { NamespaceRegistry } from '../namespaces/namespace-registry';

type Spec = temporal.api.nexus.v1.IEndpointSpec;

/** A Nexus endpoint as stored. */
export interface EndpointRecord {
  id: string;
  version: number;
  spec: Spec;
  createdTime: number;
  lastModifiedTime: number;
}

const NAME = /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/;

/** The cluster's Nexus endpoints (OperatorService CRUD); operations reach their target through `nexus-operations`. */
export class EndpointRegistry {
  private readonly byId = new Map<string, EndpointRecord>();

  constructor(private readonly namespaces: NamespaceRegistry) {}

  load(records: EndpointRecord[]): void {
    for (const r of records) this.byId.set(r.id, r);
  }

  validate(spec: Spec | null | undefined, exceptId?: string): Spec {
    if (!spec) throw invalidArgument('spec is not set');
    if (!spec.name) throw invalidArgument('spec.name is not set');
    if (!NAME.test(spec.name)) {
      throw invalidArgument(
        `spec.name ${JSON.stringify(spec.name)} is invalid: use letters, digits and dashes, starting with a letter`,
      );
    }
    for (const e of this.byId.values()) {
      if (e.spec.name === spec.name && e.id !== exceptId) {
        throw new ServiceError(grpc.status.ALREADY_EXISTS, `nexus endpoint named ${spec.name} already exists`);
      }
    }
    const target = spec.target;
    if (target?.worker) {
      if (!target.worker.namespace) throw invalidArgument('spec.target.worker.namespace is not set');
      if (!this.namespaces.get(target.worker.namespace))
        throw invalidArgument(`spec.target.worker.namespace ${target.worker.namespace} does not exist`);
      if (!target.worker.taskQueue) throw invalidArgument('spec.target.worker.task_queue is not set');
    } else if (target?.external) {
      try {
        new URL(target.external.url ?? '');
      } catch {
        throw invalidArgument('spec.target.external.url is not a valid URL');
      }
    } else {
      throw invalidArgument('spec.target is not set');
    }
    return spec;
  }

  get(id: string): EndpointRecord {
    if (!id) throw invalidArgument('id is not set');
    const e = this.byId.get(id);
    if (!e) throw notFound(`nexus endpoint ${id} not found`);
    return e;
  }

  /** The endpoint of a name, if there is one. */
  byName(name: string): EndpointRecord | undefined {
    for (const e of this.byId.values()) if (e.spec.name === name) return e;
    return undefined;
  }

  /** The endpoint of an id, if it still exists. */
  find(id: string): EndpointRecord | undefined {
    return this.byId.get(id);
  }

  create(spec: Spec, now: number): EndpointRecord {
    const record: EndpointRecord = { id: randomUUID(), version: 1, spec, createdTime: now, lastModifiedTime: now };
    this.byId.set(record.id, record);
    return record;
  }

  checkVersion(e: EndpointRecord, version: number): void {
    if (e.version !== version)
      throw failedPrecondition(`nexus endpoint version mismatch: current version is ${e.version}, got ${version}`);
  }

  update(e: EndpointRecord, spec: Spec, now: number): EndpointRecord {
    const updated = { ...e, spec, version: e.version + 1, lastModifiedTime: now };
    this.byId.set(e.id, updated);
    return updated;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  list(name?: string | null): EndpointRecord[] {
    return [...this.byId.values()]
      .filter((e) => !name || e.spec.name === name)
      .sort((a, b) => (a.spec.name ?? '').localeCompare(b.spec.name ?? ''));
  }

  static toProto(e: EndpointRecord): temporal.api.nexus.v1.IEndpoint {
    return {
      version: e.version,
      id: e.id,
      spec: e.spec,
      createdTime: msTimestamp(e.createdTime),
      lastModifiedTime: msTimestamp(e.lastModifiedTime),
      urlPrefix: `/nexus/endpoints/${e.id}/services`,
    };
  }
}
