import * as protobuf from 'protobufjs';
import Long from 'long';
import * as generated from '../generated/root';

/**
 * Proto3 JSON (the canonical JSON mapping of protobuf, the format the Temporal CLI and UI export) for the
 * messages of this package. Printing uses upstream's field names (lowerCamelCase) and enum spellings
 * (`EVENT_TYPE_WORKFLOW_EXECUTION_STARTED`); parsing also accepts the original snake_case field names,
 * enum numbers and the short PascalCase enum spellings older Temporal UIs exported (`WorkflowExecutionStarted`).
 */

/** Plain JSON value as produced by `JSON.parse`. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** Thrown when a JSON document does not match the message schema; the message names the path. */
export class Proto3JSONError extends Error {
  override readonly name = 'Proto3JSONError';
}

let reflectionRoot: protobuf.Root | undefined;

/** The reflection root of every message this package defines (built on first use, ~40 ms). */
export function descriptorRoot(): protobuf.Root {
  if (!reflectionRoot) {
    const descriptor = require('../generated/descriptor.json') as protobuf.INamespace;
    reflectionRoot = protobuf.Root.fromJSON(descriptor);
    reflectionRoot.resolveAll();
  }
  return reflectionRoot;
}

interface StaticMessageClass {
  fromObject(object: Record<string, unknown>): unknown;
  toObject(message: unknown, options?: protobuf.IConversionOptions): Record<string, unknown>;
}

/** Finds the generated static class for a fully qualified message name such as `temporal.api.history.v1.History`. */
export function staticClassFor(fullName: string): StaticMessageClass {
  let node: unknown = generated;
  for (const part of fullName.replace(/^\./, '').split('.')) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  if (typeof node !== 'function' || typeof (node as Partial<StaticMessageClass>).fromObject !== 'function') {
    throw new Proto3JSONError(`unknown message type: ${fullName}`);
  }
  return node as unknown as StaticMessageClass;
}

function lookupType(typeName: string): protobuf.Type {
  try {
    return descriptorRoot().lookupType(typeName.replace(/^\./, ''));
  } catch {
    throw new Proto3JSONError(`unknown message type: ${typeName}`);
  }
}

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

const fullNames = new WeakMap<protobuf.ReflectionObject, string>();

function fullNameOf(t: protobuf.ReflectionObject): string {
  let name = fullNames.get(t);
  if (name === undefined) {
    name = t.fullName.replace(/^\./, '');
    fullNames.set(t, name);
  }
  return name;
}

const jsonFieldMaps = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** A type's fields by their JSON name and their original proto name (built once per type). */
function fieldsByJsonName(type: protobuf.Type): Map<string, protobuf.Field> {
  let byJsonName = jsonFieldMaps.get(type);
  if (byJsonName === undefined) {
    byJsonName = new Map();
    for (const field of type.fieldsArray) {
      byJsonName.set(field.name, field);
      const original = (field as protobuf.Field & { protoName?: string }).protoName;
      if (original) byJsonName.set(original, field);
    }
    jsonFieldMaps.set(type, byJsonName);
  }
  return byJsonName;
}

// ---------------------------------------------------------------------------------------------
// Printing

function longToString(value: unknown, unsigned: boolean): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  if (Long.isLong(value)) return (value as Long).toString();
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const v = value as { low: number; high: number; unsigned?: boolean };
    return Long.fromBits(v.low, v.high, v.unsigned ?? unsigned).toString();
  }
  return String(value);
}

function bytesToBase64(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return Buffer.from(value as number[]).toString('base64');
  throw new Proto3JSONError(`expected bytes, got ${typeof value}`);
}

function durationToJSON(msg: Record<string, unknown>): string {
  const seconds = BigInt(longToString(msg.seconds ?? 0, false));
  const nanos = Number(msg.nanos ?? 0);
  const negative = seconds < 0n || nanos < 0;
  const absSeconds = seconds < 0n ? -seconds : seconds;
  const absNanos = Math.abs(nanos);
  return `${negative ? '-' : ''}${absSeconds}${fractionDigits(absNanos)}s`;
}

function fractionDigits(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return '.' + String(nanos / 1_000_000).padStart(3, '0');
  if (nanos % 1_000 === 0) return '.' + String(nanos / 1_000).padStart(6, '0');
  return '.' + String(nanos).padStart(9, '0');
}

function timestampToJSON(msg: Record<string, unknown>): string {
  const seconds = Number(longToString(msg.seconds ?? 0, false));
  const nanos = Number(msg.nanos ?? 0);
  const iso = new Date(seconds * 1000).toISOString(); // 2026-01-01T00:00:00.000Z
  return iso.replace(/\.\d{3}Z$/, `${fractionDigits(nanos)}Z`);
}

function isDefaultScalar(field: protobuf.Field, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (field.resolvedType instanceof protobuf.Enum) return value === 0 || value === fieldEnumZeroName(field);
  if (LONG_TYPES.has(field.type)) return longToString(value, false) === '0';
  switch (field.type) {
    case 'bool':
      return value === false;
    case 'string':
      return value === '';
    case 'bytes':
      return (value as { length?: number }).length === 0;
    default:
      return value === 0;
  }
}

function fieldEnumZeroName(field: protobuf.Field): string | undefined {
  const e = field.resolvedType as protobuf.Enum;
  return e.valuesById[0];
}

function scalarToJSON(field: protobuf.Field, value: unknown): JSONValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJSON(resolved, value as Record<string, unknown>);
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string') return value;
    return resolved.valuesById[value as number] ?? (value as number);
  }
  if (LONG_TYPES.has(field.type)) return longToString(value, field.type.startsWith('u') || field.type === 'fixed64');
  if (field.type === 'bytes') return bytesToBase64(value);
  if (field.type === 'double' || field.type === 'float') {
    const n = value as number;
    if (Number.isNaN(n)) return 'NaN';
    if (n === Infinity) return 'Infinity';
    if (n === -Infinity) return '-Infinity';
    return n;
  }
  return value as JSONValue;
}

function messageToJSON(type: protobuf.Type, msg: Record<string, unknown>): JSONValue {
  const name = fullNameOf(type);
  if (name === 'google.protobuf.Duration') return durationToJSON(msg);
  if (name === 'google.protobuf.Timestamp') return timestampToJSON(msg);
  if (WRAPPERS.has(name)) return scalarToJSON(type.fields.value, msg.value ?? defaultForWrapper(name));
  if (name === 'google.protobuf.Any') return anyToJSON(msg);
  const out: Record<string, JSONValue> = {};
  for (const field of type.fieldsArray) {
    const value = msg[field.name];
    if (value === undefined || value === null) continue;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      const obj: Record<string, JSONValue> = {};
      for (const [k, v] of entries) obj[k] = scalarToJSON(field, v);
      out[field.name] = obj;
    } else if (field.repeated) {
      const arr = value as unknown[];
      if (arr.length === 0) continue;
      out[field.name] = arr.map((v) => scalarToJSON(field, v));
    } else {
      // A member of a oneof is printed whenever it is the chosen member, even with a default value.
      const chosen = field.partOf ? msg[field.partOf.name] === field.name : false;
      if (!chosen && isDefaultScalar(field, value)) continue;
      out[field.name] = scalarToJSON(field, value);
    }
  }
  return out;
}

function defaultForWrapper(name: string): unknown {
  switch (name) {
    case 'google.protobuf.BoolValue':
      return false;
    case 'google.protobuf.StringValue':
      return '';
    case 'google.protobuf.BytesValue':
      return new Uint8Array();
    default:
      return 0;
  }
}

function anyToJSON(msg: Record<string, unknown>): JSONValue {
  const typeUrl = String(msg.typeUrl ?? '');
  const valueBytes = msg.value as Uint8Array | undefined;
  if (!typeUrl) return {};
  const inner = lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  const decoded = inner.toObject(inner.decode(valueBytes ?? new Uint8Array()), { longs: String }) as Record<
    string,
    unknown
  >;
  const printed = messageToJSON(inner, decoded);
  const special = isSpecialJSONType(fullNameOf(inner));
  if (special) return { '@type': typeUrl, value: printed };
  return { '@type': typeUrl, ...(printed as Record<string, JSONValue>) };
}

function isSpecialJSONType(name: string): boolean {
  return (
    name === 'google.protobuf.Duration' ||
    name === 'google.protobuf.Timestamp' ||
    name === 'google.protobuf.Any' ||
    WRAPPERS.has(name)
  );
}

/**
 * Prints a message (an instance of a generated class, or a plain object of the same shape) as proto3 JSON.
 * `typeName` is the fully qualified name, e.g. `temporal.api.history.v1.History`.
 */
export function toProto3JSON(typeName: string, message: object): JSONValue {
  const type = lookupType(typeName);
  return messageToJSON(type, message as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------
// Parsing: JSON -> an object that the generated `fromObject` accepts.

function pascalToScreamingSnake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/** Prefix shared by an enum's value names, e.g. `EVENT_TYPE_` for `EventType`. */
function enumPrefix(e: protobuf.Enum): string {
  const zero = e.valuesById[0];
  if (zero && zero.endsWith('_UNSPECIFIED')) return zero.slice(0, -'UNSPECIFIED'.length);
  return pascalToScreamingSnake(e.name) + '_';
}

function parseEnum(e: protobuf.Enum, value: JSONValue, at: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    if (value in e.values) return e.values[value];
    const long = enumPrefix(e) + pascalToScreamingSnake(value);
    if (long in e.values) return e.values[long];
  }
  throw new Proto3JSONError(`${at}: invalid value ${JSON.stringify(value)} for enum ${fullNameOf(e)}`);
}

function parseDuration(value: JSONValue, at: string): { seconds: string; nanos: number } {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { seconds: String(value.seconds ?? 0), nanos: Number(value.nanos ?? 0) };
  }
  const m = typeof value === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(value) : null;
  if (!m) throw new Proto3JSONError(`${at}: invalid duration ${JSON.stringify(value)} (expected e.g. "1.5s")`);
  const sign = m[1] ? -1 : 1;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  return { seconds: (m[1] ? '-' : '') + m[2], nanos: sign * nanos };
}

function parseTimestamp(value: JSONValue, at: string): { seconds: string; nanos: number } {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { seconds: String(value.seconds ?? 0), nanos: Number(value.nanos ?? 0) };
  }
  const m =
    typeof value === 'string'
      ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(value)
      : null;
  if (!m) throw new Proto3JSONError(`${at}: invalid timestamp ${JSON.stringify(value)} (expected RFC 3339)`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) throw new Proto3JSONError(`${at}: invalid timestamp ${JSON.stringify(value)}`);
  return { seconds: String(Math.floor(ms / 1000)), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
}

function parseBytes(value: JSONValue, at: string): Uint8Array {
  if (typeof value !== 'string') throw new Proto3JSONError(`${at}: expected a base64 string`);
  return new Uint8Array(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

function parseScalar(field: protobuf.Field, value: JSONValue, at: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return parseMessage(resolved, value, at);
  if (resolved instanceof protobuf.Enum) return parseEnum(resolved, value, at);
  if (LONG_TYPES.has(field.type)) {
    if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+$/.test(value))) return String(value);
    throw new Proto3JSONError(`${at}: expected an integer, got ${JSON.stringify(value)}`);
  }
  switch (field.type) {
    case 'bytes':
      return parseBytes(value, at);
    case 'bool':
      if (typeof value !== 'boolean')
        throw new Proto3JSONError(`${at}: expected a boolean, got ${JSON.stringify(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string')
        throw new Proto3JSONError(`${at}: expected a string, got ${JSON.stringify(value)}`);
      return value;
    case 'double':
    case 'float':
      if (value === 'NaN') return NaN;
      if (value === 'Infinity') return Infinity;
      if (value === '-Infinity') return -Infinity;
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
      throw new Proto3JSONError(`${at}: expected a number, got ${JSON.stringify(value)}`);
    default:
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
      throw new Proto3JSONError(`${at}: expected an integer, got ${JSON.stringify(value)}`);
  }
}

function parseMessage(type: protobuf.Type, json: JSONValue, at: string): unknown {
  const name = fullNameOf(type);
  if (name === 'google.protobuf.Duration') return parseDuration(json, at);
  if (name === 'google.protobuf.Timestamp') return parseTimestamp(json, at);
  if (WRAPPERS.has(name)) return { value: parseScalar(type.fields.value, json, at) };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Proto3JSONError(`${at}: expected an object for ${name}, got ${JSON.stringify(json)}`);
  }
  if (name === 'google.protobuf.Any') return parseAny(json, at);
  const byJsonName = fieldsByJsonName(type);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = byJsonName.get(key);
    const path = `${at}.${key}`;
    if (!field) {
      if (ignoreUnknownFields) continue;
      throw new Proto3JSONError(`${path}: ${name} has no field named "${key}"`);
    }
    if (value === null) continue;
    if (field.map) {
      if (typeof value !== 'object' || Array.isArray(value)) throw new Proto3JSONError(`${path}: expected an object`);
      const map: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) map[k] = parseScalar(field, v, `${path}.${k}`);
      out[field.name] = map;
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new Proto3JSONError(`${path}: expected an array`);
      out[field.name] = value.map((v, i) => parseScalar(field, v, `${path}[${i}]`));
    } else {
      out[field.name] = parseScalar(field, value, path);
    }
  }
  return out;
}

function parseAny(json: { [key: string]: JSONValue }, at: string): unknown {
  const typeUrl = json['@type'];
  if (typeof typeUrl !== 'string') throw new Proto3JSONError(`${at}: google.protobuf.Any needs "@type"`);
  const inner = lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  const body = isSpecialJSONType(fullNameOf(inner)) ? json.value : { ...json, '@type': undefined };
  if (body && typeof body === 'object' && !Array.isArray(body)) delete (body as Record<string, unknown>)['@type'];
  const plain = parseMessage(inner, body as JSONValue, at) as Record<string, unknown>;
  const value = inner.encode(inner.fromObject(plain)).finish();
  return { typeUrl, value };
}

/**
 * Parses proto3 JSON into an instance of the generated class for `typeName`. Throws `Proto3JSONError`
 * naming the JSON path of the first value that does not fit the schema.
 */
export function fromProto3JSON<T = unknown>(
  typeName: string,
  json: JSONValue | string,
  options: { ignoreUnknownFields?: boolean } = {},
): T {
  const doc = typeof json === 'string' ? (JSON.parse(json) as JSONValue) : json;
  const type = lookupType(typeName);
  ignoreUnknownFields = options.ignoreUnknownFields ?? false;
  try {
    const plain = parseMessage(type, doc, '$') as Record<string, unknown>;
    return staticClassFor(fullNameOf(type)).fromObject(plain) as T;
  } finally {
    ignoreUnknownFields = false;
  }
}

/** Set for the duration of a `fromProto3JSON` call that skips fields the schema does not define. */
let ignoreUnknownFields = false;
