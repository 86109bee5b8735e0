/**
 * Wire conformance: every message, field, enum value, service and RPC that our .proto files define under
 * `temporal.*`, `google.*` and `grpc.*` must equal upstream's schema (the descriptor published in
 * @temporalio/proto, a devDependency used only here). What upstream has that we do not define is printed
 * as information, not failed on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

const PROTO_DIR = path.join(__dirname, '..', 'protos');

function listProtos(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listProtos(full));
    else if (entry.name.endsWith('.proto')) out.push(full);
  }
  return out;
}

function loadOurs(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
  root.loadSync(listProtos(PROTO_DIR));
  root.resolveAll();
  return root;
}

function loadUpstream(): protobuf.Root {
  const root = require('@temporalio/proto/protos/json-module') as protobuf.Root;
  root.resolveAll();
  return root;
}

const name = (o: protobuf.ReflectionObject) => o.fullName.replace(/^\./, '');
const isChecked = (fullName: string) => /^(temporal|google|grpc)\./.test(fullName);

function walk(ns: protobuf.NamespaceBase, visit: (o: protobuf.ReflectionObject) => void) {
  for (const nested of ns.nestedArray) {
    visit(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested, visit);
  }
}

function fieldTypeName(f: protobuf.Field): string {
  return f.resolvedType ? name(f.resolvedType) : f.type;
}

function compareType(ours: protobuf.Type, theirs: protobuf.Type, mismatches: string[], missing: string[]) {
  const at = name(ours);
  const theirsById = new Map(theirs.fieldsArray.map((f) => [f.id, f]));
  for (const f of ours.fieldsArray) {
    const path = `${at}.${f.protoName ?? f.name}`;
    const u = theirsById.get(f.id);
    if (!u) {
      mismatches.push(`${path}: field number ${f.id} does not exist upstream`);
      continue;
    }
    const ourProto = f.protoName ?? f.name;
    const theirProto = u.protoName ?? u.name;
    if (ourProto !== theirProto) mismatches.push(`${path}: field ${f.id} is named ${theirProto} upstream`);
    if (fieldTypeName(f) !== fieldTypeName(u))
      mismatches.push(`${path}: type ${fieldTypeName(f)}, upstream ${fieldTypeName(u)}`);
    if (f.repeated !== u.repeated) mismatches.push(`${path}: repeated=${f.repeated}, upstream repeated=${u.repeated}`);
    if (f.map !== u.map) mismatches.push(`${path}: map=${f.map}, upstream map=${u.map}`);
    if (f instanceof protobuf.MapField && u instanceof protobuf.MapField && f.keyType !== u.keyType) {
      mismatches.push(`${path}: map key ${f.keyType}, upstream ${u.keyType}`);
    }
    const ourOneof = f.partOf?.name ?? null;
    const theirOneof = u.partOf?.name ?? null;
    if (ourOneof !== theirOneof) mismatches.push(`${path}: oneof ${ourOneof}, upstream ${theirOneof}`);
  }
  const ourIds = new Set(ours.fieldsArray.map((f) => f.id));
  for (const u of theirs.fieldsArray) {
    if (!ourIds.has(u.id)) missing.push(`${at}.${u.protoName ?? u.name} = ${u.id}`);
  }
}

function compareEnum(ours: protobuf.Enum, theirs: protobuf.Enum, mismatches: string[], missing: string[]) {
  const at = name(ours);
  for (const [valueName, num] of Object.entries(ours.values)) {
    if (!(valueName in theirs.values)) mismatches.push(`${at}.${valueName}: value does not exist upstream`);
    else if (theirs.values[valueName] !== num)
      mismatches.push(`${at}.${valueName}: number ${num}, upstream ${theirs.values[valueName]}`);
  }
  for (const valueName of Object.keys(theirs.values)) {
    if (!(valueName in ours.values)) missing.push(`${at}.${valueName}`);
  }
}

function compareService(ours: protobuf.Service, theirs: protobuf.Service, mismatches: string[], missing: string[]) {
  const at = name(ours);
  for (const m of ours.methodsArray) {
    const u = theirs.methods[m.name];
    if (!u) {
      mismatches.push(`${at}.${m.name}: RPC does not exist upstream`);
      continue;
    }
    m.resolve();
    u.resolve();
    const req = name(m.resolvedRequestType!);
    const res = name(m.resolvedResponseType!);
    if (req !== name(u.resolvedRequestType!))
      mismatches.push(`${at}.${m.name}: request ${req}, upstream ${name(u.resolvedRequestType!)}`);
    if (res !== name(u.resolvedResponseType!))
      mismatches.push(`${at}.${m.name}: response ${res}, upstream ${name(u.resolvedResponseType!)}`);
    if (!!m.requestStream !== !!u.requestStream) mismatches.push(`${at}.${m.name}: request streaming differs`);
    if (!!m.responseStream !== !!u.responseStream) mismatches.push(`${at}.${m.name}: response streaming differs`);
  }
  for (const u of theirs.methodsArray) {
    if (!ours.methods[u.name]) missing.push(`${at}.${u.name}`);
  }
}

describe('temporal protos conform to the upstream schema', () => {
  const ours = loadOurs();
  const upstream = loadUpstream();
  const mismatches: string[] = [];
  const missingFields: string[] = [];
  const missingValues: string[] = [];
  const missingRpcs: string[] = [];
  const defined = new Set<string>();
  const checked = { messages: 0, fields: 0, enums: 0, values: 0, services: 0, rpcs: 0 };

  walk(ours, (o) => {
    const full = name(o);
    if (!isChecked(full)) return;
    if (!(o instanceof protobuf.Type || o instanceof protobuf.Enum || o instanceof protobuf.Service)) return;
    defined.add(full);
    const u = upstream.lookup(full);
    if (!u) {
      mismatches.push(`${full}: does not exist upstream`);
      return;
    }
    if (o instanceof protobuf.Type) {
      if (!(u instanceof protobuf.Type)) return void mismatches.push(`${full}: is not a message upstream`);
      checked.messages++;
      checked.fields += o.fieldsArray.length;
      compareType(o, u, mismatches, missingFields);
    } else if (o instanceof protobuf.Enum) {
      if (!(u instanceof protobuf.Enum)) return void mismatches.push(`${full}: is not an enum upstream`);
      checked.enums++;
      checked.values += Object.keys(o.values).length;
      compareEnum(o, u, mismatches, missingValues);
    } else {
      if (!(u instanceof protobuf.Service)) return void mismatches.push(`${full}: is not a service upstream`);
      checked.services++;
      checked.rpcs += o.methodsArray.length;
      compareService(o, u, mismatches, missingRpcs);
    }
  });

  it('defines a substantial subset (sanity check that the walk found our files)', () => {
    expect(checked.messages).toBeGreaterThan(300);
    expect(checked.services).toBe(4);
  });

  it('has zero mismatches in messages, fields, enum values, services and RPCs', () => {
    const undefinedUpstream: string[] = [];
    walk(upstream, (o) => {
      const full = name(o);
      if (!/^(temporal\.api\.|google\.rpc\.|grpc\.)/.test(full) || full.startsWith('temporal.api.cloud.')) return;
      if (!(o instanceof protobuf.Type || o instanceof protobuf.Enum)) return;
      if (!defined.has(full)) undefinedUpstream.push(full);
    });
    const byPackage = new Map<string, number>();
    for (const n of undefinedUpstream) {
      const pkg = n.split('.').slice(0, 4).join('.');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
    }
    const info = [
      `checked: ${JSON.stringify(checked)}`,
      `upstream RPCs we do not define (${missingRpcs.length}): ${missingRpcs.map((r) => r.split('.').pop()).join(', ')}`,
      `upstream messages/enums we do not define (${undefinedUpstream.length}), by package: ` +
        [...byPackage].map(([p, c]) => `${p} ${c}`).join(', '),
      `upstream fields missing from messages we define (${missingFields.length}): ${missingFields.join(', ') || 'none'}`,
      `upstream enum values missing from enums we define (${missingValues.length}): ${missingValues.join(', ') || 'none'}`,
    ];
    console.log(info.join('\n'));
    expect(mismatches).toEqual([]);
  });
});
