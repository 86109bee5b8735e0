// gRPC server reflection (grpc.reflection.v1 and v1alpha, from @grpc/reflection), so that grpcurl and other
// reflection clients can list and call the server's services. Loading it (and turning the schema into file
// descriptors) takes a few hundred milliseconds, so it happens on the first reflection call, not at start-up.
import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';

/** protobufjs reflection of the schema, loaded on first use (it takes tens of milliseconds). */
const descriptorRoot = () => (require('@kairos/proto') as typeof import('@kairos/proto')).descriptorRoot();

const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

type Captured = { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation };

/** Registers the reflection services on `server`, describing the services named in `served`. */
export function addReflectionService(server: grpc.Server, served: string[]): void {
  let loaded: Map<string, Captured> | undefined;
  const load = (): Map<string, Captured> => {
    if (loaded) return loaded;
    const protoLoader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
    const { ReflectionService } = require('@grpc/reflection') as typeof import('@grpc/reflection');
    const files = withImports(protoLoader.fromJSON(reflectionSchema(served), {}));
    loaded = new Map();
    // The reflection service reads only the file descriptors, and decodes them again for every entry that holds
    // them (every message type of a package definition: seconds for this schema), so it gets them once.
    const definition = {
      files: { fileDescriptorProtos: files },
    } as unknown as import('@grpc/proto-loader').PackageDefinition;
    new ReflectionService(definition).addToServer({
      addService: (definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) => {
        const path = Object.values(definition)[0].path;
        loaded!.set(path.slice(1, path.lastIndexOf('/')), { definition, implementation });
      },
    });
    return loaded;
  };
  for (const service of REFLECTION_SERVICES) {
    const path = `/${service}/ServerReflectionInfo`;
    const method = () => Object.values(load().get(service)!.definition)[0];
    const definition: grpc.ServiceDefinition = {
      ServerReflectionInfo: {
        path,
        requestStream: true,
        responseStream: true,
        requestSerialize: (m: unknown) => method().requestSerialize(m),
        requestDeserialize: (b: Buffer) => method().requestDeserialize(b),
        responseSerialize: (m: unknown) => method().responseSerialize(m),
        responseDeserialize: (b: Buffer) => method().responseDeserialize(b),
      },
    };
    server.addService(definition, {
      ServerReflectionInfo: (stream: grpc.ServerDuplexStream<unknown, unknown>) => {
        const handler = load().get(service)!.implementation.ServerReflectionInfo as grpc.handleBidiStreamingCall<
          unknown,
          unknown
        >;
        handler(stream);
      },
    });
  }
}

type JsonNamespace = {
  nested?: Record<string, JsonNamespace>;
  fields?: Record<string, { type: string }>;
  methods?: unknown;
};

/**
 * The schema as protobufjs JSON for the reflection service: only the services this server serves (the schema also
 * holds others, such as TestService without time skipping), and every field's type named in full, so that the file
 * descriptors built from it resolve in any client.
 */
function reflectionSchema(served: string[]): JsonNamespace {
  const root = descriptorRoot();
  root.resolveAll();
  const json = root.toJSON() as JsonNamespace;
  const walk = (node: JsonNamespace, path: string[]) => {
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const full = [...path, name].join('.');
      if (child.methods && !served.includes(full)) {
        delete node.nested![name];
        continue;
      }
      if (child.fields) {
        const type = root.lookupTypeOrEnum(full) as unknown as {
          fields?: Record<string, { resolvedType?: { fullName: string } | null }>;
        };
        for (const [fieldName, field] of Object.entries(child.fields)) {
          const resolved = type.fields?.[fieldName]?.resolvedType;
          if (resolved) field.type = resolved.fullName;
        }
      }
      walk(child, [...path, name]);
    }
  };
  walk(json, []);
  return json;
}

interface FieldDescriptor {
  name: string;
  typeName?: string;
}
interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  options?: { mapEntry?: boolean };
}
interface FileDescriptor {
  name: string;
  package: string;
  dependency: string[];
  messageType?: MessageDescriptor[];
  service?: Array<{ method?: Array<{ inputType?: string; outputType?: string }> }>;
}
interface DescriptorCodec {
  decode(b: Uint8Array): FileDescriptor;
  encode(f: FileDescriptor): { finish(): Uint8Array };
}

/**
 * The file descriptors @grpc/proto-loader builds (one file per package) name other files' types relative to their
 * scope and import nothing, which reflection clients such as grpcurl cannot resolve. This names every type in full
 * and imports the files that define them, and returns the files encoded.
 */
function withImports(pkg: Record<string, unknown>): Buffer[] {
  const FileDescriptorProto = (require('protobufjs/ext/descriptor') as { FileDescriptorProto: DescriptorCodec })
    .FileDescriptorProto;
  const entries = Object.values(pkg) as Array<Record<string, unknown>>;
  const first = entries.find((e) => Array.isArray(e.fileDescriptorProtos)) as
    { fileDescriptorProtos: Buffer[] } | undefined;
  if (!first) return [];
  const files = first.fileDescriptorProtos.map((b) => FileDescriptorProto.decode(b));
  const fileOfPackage = new Map(files.map((f) => [f.package, f.name]));
  const root = descriptorRoot();
  const packageOf = (fullName: string) => {
    let best = '';
    for (const p of fileOfPackage.keys()) if (fullName.startsWith(`${p}.`) && p.length > best.length) best = p;
    return best;
  };
  for (const file of files) {
    const deps = new Set<string>();
    const absolute = (scope: string, name: string | undefined): string | undefined => {
      if (!name) return name;
      let full: string;
      if (name.startsWith('.')) full = name.slice(1);
      else {
        const found = (root.lookup(scope) as protobuf.Namespace | null)?.lookup(name);
        if (!found) return name;
        full = found.fullName.replace(/^\./, '');
      }
      const dep = fileOfPackage.get(packageOf(full));
      if (dep && dep !== file.name) deps.add(dep);
      return `.${full}`;
    };
    const visit = (m: MessageDescriptor, scope: string) => {
      const here = `${scope}.${m.name}`;
      const mapEntries = new Map((m.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [n.name, n]));
      for (const f of m.field ?? []) {
        const entry = f.typeName && mapEntries.get(f.typeName.slice(f.typeName.lastIndexOf('.') + 1));
        if (entry) {
          // A map's entry type is named after its field (`search_attributes` → `SearchAttributesEntry`).
          entry.name = `${f.name.replace(/(^|_)([a-z0-9])/g, (_x, _u: string, c: string) => c.toUpperCase())}Entry`;
          f.typeName = `.${here}.${entry.name}`;
        } else {
          f.typeName = absolute(here, f.typeName);
        }
      }
      for (const n of m.nestedType ?? []) visit(n, here);
    };
    for (const m of file.messageType ?? []) visit(m, file.package);
    for (const svc of file.service ?? []) {
      for (const method of svc.method ?? []) {
        method.inputType = absolute(file.package, method.inputType);
        method.outputType = absolute(file.package, method.outputType);
      }
    }
    file.dependency = [...deps].sort();
  }
  return files.map((f) => Buffer.from(FileDescriptorProto.encode(f).finish()));
}
