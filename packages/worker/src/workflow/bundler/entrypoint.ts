/**
 * The generated module that the bundle starts from: it imports the user's modules in the order the isolate
 * expects and collects them into the object the bundle's factory returns.
 *
 * @module
 */

/** The variable, declared by the bundle's banner, that the entrypoint stores the user's modules in. */
export const USER_MODULES_VARIABLE = '__kairosUserModules';

/** The modules the entrypoint loads; `workflowsPath` and the converter paths are absolute. */
export interface EntrypointModules {
  workflowsPath: string;
  workflowInterceptorModules: readonly string[];
  payloadConverterPath?: string;
  failureConverterPath?: string;
  preloadModules: readonly string[];
}

/** A converter that the entrypoint imports by name, and the option that named its module. */
interface ConverterImport {
  exportName: 'payloadConverter' | 'failureConverter';
  option: 'payloadConverterPath' | 'failureConverterPath';
  path: string;
}

function converterImports(modules: EntrypointModules): ConverterImport[] {
  const imports: ConverterImport[] = [];
  if (modules.payloadConverterPath !== undefined) {
    imports.push({
      exportName: 'payloadConverter',
      option: 'payloadConverterPath',
      path: modules.payloadConverterPath,
    });
  }
  if (modules.failureConverterPath !== undefined) {
    imports.push({
      exportName: 'failureConverter',
      option: 'failureConverterPath',
      path: modules.failureConverterPath,
    });
  }
  return imports;
}

/**
 * Source of the entrypoint (an ES module). ES imports run in order, so preload modules load first; converters are
 * named imports so esbuild itself rejects an ES module that lacks the export. A CommonJS converter module can only
 * be checked when the factory runs, hence the explicit `undefined` check.
 */
export function generateEntrypoint(modules: EntrypointModules): string {
  const lines: string[] = [];
  for (const specifier of modules.preloadModules) lines.push(`import ${JSON.stringify(specifier)};`);
  lines.push(`import * as workflows from ${JSON.stringify(modules.workflowsPath)};`);
  // A module listed twice (by the worker options and again by a plugin, say) is registered once.
  const interceptorNames = [...new Set(modules.workflowInterceptorModules)].map((specifier, index) => {
    lines.push(`import * as interceptorModule${index} from ${JSON.stringify(specifier)};`);
    return `interceptorModule${index}`;
  });
  const converters = converterImports(modules);
  for (const { exportName, path } of converters) {
    lines.push(`import { ${exportName} } from ${JSON.stringify(path)};`);
  }
  for (const { exportName, option, path } of converters) {
    const message =
      `${option} ${JSON.stringify(path)} has no export named '${exportName}': ` +
      `export the converter instance from that module as '${exportName}'`;
    lines.push(`if (${exportName} === undefined) throw new Error(${JSON.stringify(message)});`);
  }
  const exported = (name: string) => (converters.some((c) => c.exportName === name) ? name : 'undefined');
  lines.push(
    `${USER_MODULES_VARIABLE} = {`,
    '  workflows,',
    `  interceptorModules: [${interceptorNames.join(', ')}],`,
    `  payloadConverter: ${exported('payloadConverter')},`,
    `  failureConverter: ${exported('failureConverter')},`,
    '};',
  );
  return lines.join('\n') + '\n';
}

/**
 * The converter option whose module lacks its export, when `errorText` is esbuild's complaint about a named
 * import of the entrypoint.
 */
export function missingConverterExport(
  errorText: string,
  modules: EntrypointModules,
): { option: string; path: string; exportName: string } | undefined {
  const match = /No matching export in ".*" for import "(payloadConverter|failureConverter)"/.exec(errorText);
  if (match === null) return undefined;
  return converterImports(modules).find((c) => c.exportName === match[1]);
}
