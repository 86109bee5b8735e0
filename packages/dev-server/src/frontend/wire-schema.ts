// What the server needs to know of the schema to serve and read requests (its services' methods, from
// @kairos/proto's generated list of services, and for each message which fields are strings, messages and maps, read
// straight from its JSON descriptor on the first request that has fields). Building
// protobufjs's reflection tree from it takes tens of milliseconds; this takes a few, so start-up does not pay for
// reflection (reflection, field masks and proto3 JSON still use it, on first need).

/** A field as the wire needs it. */
export interface WireField {
  /** Its name in decoded objects (camelCase, as the generated code names it). */
  name: string;
  /** A message's full name (no leading dot), or a scalar or enum type name. */
  type: string;
  /** Whether `type` is a message. */
  message: boolean;
  repeated: boolean;
  /** For a map: the key's scalar type (`type` is then the value's). */
  keyType?: string;
}

/** A message type: its full name and its fields by number. */
export interface WireType {
  fullName: string;
  fieldsById: Map<number, WireField>;
}

export interface WireMethod {
  name: string;
  requestType: string;
  responseType: string;
  requestStream: boolean;
  responseStream: boolean;
}

interface JsonNode {
  nested?: Record<string, JsonNode>;
  fields?: Record<string, { type: string; id: number; rule?: string; keyType?: string }>;
  values?: Record<string, number>;
}

let nodes: Map<string, JsonNode> | undefined;
const types = new Map<string, WireType>();

/** Every named node of the descriptor (packages, messages, enums, services) by full name. */
function index(): Map<string, JsonNode> {
  if (nodes) return nodes;
  const root = require('@kairos/proto/generated/descriptor.json') as JsonNode;
  nodes = new Map();
  const walk = (node: JsonNode, path: string) => {
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const full = path ? `${path}.${name}` : name;
      nodes!.set(full, child);
      walk(child, full);
    }
  };
  walk(root, '');
  return nodes;
}

/** Resolves a type reference as protobuf does: from the referring scope outwards, or in full with a leading dot. */
function resolve(reference: string, scope: string): string | undefined {
  const all = index();
  if (reference.startsWith('.')) return all.has(reference.slice(1)) ? reference.slice(1) : undefined;
  for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
    const candidate = s ? `${s}.${reference}` : reference;
    if (all.has(candidate)) return candidate;
    if (!s) return undefined;
  }
}

/** The wire view of a message type (built on first use). */
export function wireType(fullName: string): WireType {
  const name = fullName.replace(/^\./, '');
  const cached = types.get(name);
  if (cached) return cached;
  const node = index().get(name);
  if (!node?.fields) throw new Error(`unknown message type ${name}`);
  const fieldsById = new Map<number, WireField>();
  for (const [fieldName, f] of Object.entries(node.fields)) {
    const resolved = resolve(f.type, name);
    const target = resolved ? index().get(resolved) : undefined;
    const message = !!target?.fields;
    fieldsById.set(f.id, {
      name: fieldName,
      type: message ? resolved! : f.type,
      message,
      repeated: f.rule === 'repeated',
      keyType: f.keyType,
    });
  }
  const type: WireType = { fullName: name, fieldsById };
  types.set(name, type);
  return type;
}

/** The methods of a service, with their request and response types in full. */
export function serviceMethods(serviceName: string): WireMethod[] {
  // From the generated list of services: a server defines its services without reading the whole descriptor.
  const services = require('@kairos/proto/generated/services.json') as Record<string, WireMethod[] | undefined>;
  const methods = services[serviceName];
  if (!methods) throw new Error(`unknown service ${serviceName}`);
  return methods.map((m) => ({ ...m }));
}
