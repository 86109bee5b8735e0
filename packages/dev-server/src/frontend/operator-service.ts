import { temporal } from '../internal/proto';
import { invalidArgument, namespaceNotFound, notFound } from '../errors';
import { CLUSTER_NAME } from './namespace-handlers';
import { EndpointRegistry } from '../nexus/endpoint-registry';
import { OperatorServiceHandlers } from './service-definition';
import { SYSTEM_SEARCH_ATTRIBUTES } from '../visibility/search-attributes';
import { enums } from '../internal/proto';
import type { ServerContext } from '../server-context';

/** temporal.api.operatorservice.v1.OperatorService: search attributes and Nexus endpoints. */
export function operatorServiceHandlers(ctx: ServerContext): OperatorServiceHandlers {
  const { engine } = ctx;
  const namespaceOf = (name: string | null | undefined) => engine.namespace(name || 'default');
  return {
    // The real server's rules and messages: a name already registered (with any type) is skipped, system names are
    // refused, and removing an attribute that is not registered does nothing.
    AddSearchAttributes: (req: temporal.api.operatorservice.v1.IAddSearchAttributesRequest) => {
      const ns = namespaceOf(req.namespace);
      const entries = Object.entries(req.searchAttributes ?? {});
      if (entries.length === 0) throw invalidArgument('SearchAttributes are not set on request.');
      for (const [name, type] of entries) {
        if (SYSTEM_SEARCH_ATTRIBUTES[name] !== undefined) {
          throw invalidArgument(`Search attribute ${name} is reserved by system.`);
        }
        if (enums.IndexedValueType[type as unknown as keyof typeof enums.IndexedValueType] === undefined) {
          throw invalidArgument(`Unknown search attribute type: ${type}.`);
        }
        if (!type) {
          throw invalidArgument(
            'Unable to create search attributes: cannot have more than 0 search attribute of type Unspecified.',
          );
        }
      }
      const searchAttributes = { ...ns.searchAttributes };
      for (const [name, type] of entries) searchAttributes[name] ??= type;
      ctx.saveNamespace({ ...ns, searchAttributes });
      return {};
    },
    RemoveSearchAttributes: (req: temporal.api.operatorservice.v1.IRemoveSearchAttributesRequest) => {
      const ns = namespaceOf(req.namespace);
      const names = req.searchAttributes ?? [];
      if (names.length === 0) throw invalidArgument('SearchAttributes are not set on request.');
      const system = names.filter((name) => SYSTEM_SEARCH_ATTRIBUTES[name] !== undefined);
      if (system.length > 0) {
        throw invalidArgument(`Unable to remove non-custom search attributes: ${system.join(', ')}.`);
      }
      const searchAttributes = { ...ns.searchAttributes };
      for (const name of names) delete searchAttributes[name];
      ctx.saveNamespace({ ...ns, searchAttributes });
      return {};
    },
    ListSearchAttributes: (req: temporal.api.operatorservice.v1.IListSearchAttributesRequest) => {
      const ns = namespaceOf(req.namespace);
      return {
        customAttributes: { ...ns.searchAttributes },
        systemAttributes: { ...SYSTEM_SEARCH_ATTRIBUTES },
        storageSchema: {},
      };
    },
    DeleteNamespace: (req: temporal.api.operatorservice.v1.IDeleteNamespaceRequest) => {
      const ns = req.namespaceId
        ? engine.namespaces.getById(req.namespaceId)
        : engine.namespaces.get(req.namespace ?? '');
      if (!ns) {
        if (req.namespaceId) throw notFound(`Namespace with id ${req.namespaceId} is not found.`);
        throw namespaceNotFound(req.namespace ?? '');
      }
      return { deletedNamespace: ctx.deleteNamespace(ns) };
    },
    ListClusters: () => ({
      clusters: [
        {
          clusterName: CLUSTER_NAME,
          clusterId: ctx.clusterId,
          address: ctx.frontendAddress,
          initialFailoverVersion: 1,
          historyShardCount: 1,
          isConnectionEnabled: true,
          isReplicationEnabled: false,
        },
      ],
      nextPageToken: Buffer.alloc(0),
    }),
    GetNexusEndpoint: (req: temporal.api.operatorservice.v1.IGetNexusEndpointRequest) => ({
      endpoint: EndpointRegistry.toProto(ctx.endpoints.get(req.id ?? '')),
    }),
    CreateNexusEndpoint: (req: temporal.api.operatorservice.v1.ICreateNexusEndpointRequest) => {
      const spec = ctx.endpoints.validate(req.spec);
      const record = engine.tx((tx) => {
        const r = ctx.endpoints.create(spec, tx.now);
        tx.nexusEndpoints.push(r);
        return r;
      });
      return { endpoint: EndpointRegistry.toProto(record) };
    },
    UpdateNexusEndpoint: (req: temporal.api.operatorservice.v1.IUpdateNexusEndpointRequest) => {
      const existing = ctx.endpoints.get(req.id ?? '');
      ctx.endpoints.checkVersion(existing, Number(req.version ?? 0));
      const spec = ctx.endpoints.validate(req.spec, existing.id);
      const record = engine.tx((tx) => {
        const r = ctx.endpoints.update(existing, spec, tx.now);
        tx.nexusEndpoints.push(r);
        return r;
      });
      return { endpoint: EndpointRegistry.toProto(record) };
    },
    DeleteNexusEndpoint: (req: temporal.api.operatorservice.v1.IDeleteNexusEndpointRequest) => {
      const existing = ctx.endpoints.get(req.id ?? '');
      ctx.endpoints.checkVersion(existing, Number(req.version ?? 0));
      engine.tx((tx) => {
        ctx.endpoints.delete(existing.id);
        tx.nexusEndpoints.push({ id: existing.id, deleted: true });
      });
      return {};
    },
    ListNexusEndpoints: (req: temporal.api.operatorservice.v1.IListNexusEndpointsRequest) => {
      const all = ctx.endpoints.list(req.name);
      const size = req.pageSize && req.pageSize > 0 ? req.pageSize : 100;
      const offset = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
      return {
        endpoints: all.slice(offset, offset + size).map(EndpointRegistry.toProto),
        nextPageToken: offset + size < all.length ? Buffer.from(String(offset + size)) : Buffer.alloc(0),
      };
    },
  };
}
