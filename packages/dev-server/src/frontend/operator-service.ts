import { temporal } from '@kairos/proto';
import { invalidArgument, notFound, unimplemented } from './errors';
import { ServiceHandlers } from './service-definition';
import { SYSTEM_SEARCH_ATTRIBUTES } from '../visibility/search-attributes';
import { enums } from '../internal/proto';
import type { ServerContext } from '../server-context';

const NEXUS_UNIMPLEMENTED = 'Nexus endpoints are not supported by the Kairos dev server yet';

/** temporal.api.operatorservice.v1.OperatorService: search attributes (nexus endpoints answer UNIMPLEMENTED). */
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
    GetNexusEndpoint: () => {
      throw unimplemented(NEXUS_UNIMPLEMENTED);
    },
    CreateNexusEndpoint: () => {
      throw unimplemented(NEXUS_UNIMPLEMENTED);
    },
    UpdateNexusEndpoint: () => {
      throw unimplemented(NEXUS_UNIMPLEMENTED);
    },
    DeleteNexusEndpoint: () => {
      throw unimplemented(NEXUS_UNIMPLEMENTED);
    },
    ListNexusEndpoints: () => {
      throw unimplemented(NEXUS_UNIMPLEMENTED);
    },
  };
}
