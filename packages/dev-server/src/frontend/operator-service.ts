import { temporal } from '@kairos/proto';
import { invalidArgument, notFound } from './errors';
import { EndpointRegistry } from '../nexus/endpoint-registry';
import { ServiceHandlers } from './service-definition';
import { SYSTEM_SEARCH_ATTRIBUTES } from '../visibility/search-attributes';
import { enums } from '../internal/proto';
import type { ServerContext } from '../server-context';

/** temporal.api.operatorservice.v1.OperatorService: search attributes and Nexus endpoints. */
export function operatorServiceHandlers(ctx: ServerContext): ServiceHandlers {
  const { engine } = ctx;
  const namespaceOf = (name: string | null | undefined) => engine.namespace(name || 'default');
  return {
    AddSearchAttributes: (req: temporal.api.operatorservice.v1.IAddSearchAttributesRequest) => {
      const ns = namespaceOf(req.namespace);
      const entries = Object.entries(req.searchAttributes ?? {});
      if (entries.length === 0) throw invalidArgument('search_attributes is not set');
      for (const [name, type] of entries) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
          throw invalidArgument(`search_attributes: invalid name ${JSON.stringify(name)}`);
        if (SYSTEM_SEARCH_ATTRIBUTES[name] !== undefined)
          throw invalidArgument(`search_attributes: ${name} is a system search attribute`);
        if (!type || !enums.IndexedValueType[type as unknown as keyof typeof enums.IndexedValueType]) {
          throw invalidArgument(`search_attributes: invalid type for ${name}`);
        }
        const existing = ns.searchAttributes[name];
        if (existing !== undefined && existing !== type) {
          throw invalidArgument(`search_attributes: ${name} is already registered with a different type`);
        }
      }
      const searchAttributes = { ...ns.searchAttributes };
      for (const [name, type] of entries) searchAttributes[name] = type;
      ctx.saveNamespace({ ...ns, searchAttributes });
      return {};
    },
    RemoveSearchAttributes: (req: temporal.api.operatorservice.v1.IRemoveSearchAttributesRequest) => {
      const ns = namespaceOf(req.namespace);
      const names = req.searchAttributes ?? [];
      if (names.length === 0) throw invalidArgument('search_attributes is not set');
      for (const name of names) {
        if (ns.searchAttributes[name] === undefined) throw notFound(`search attribute ${name} does not exist`);
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
