/**
 * Name and version of this package, sent to the server in the `client-name` and `client-version`
 * headers.
 *
 * @module
 */

interface PackageJson {
  name: string;
  version: string;
}

// Read at runtime so that the compiled output does not need to embed package.json.

const packageJson = require('../package.json') as PackageJson;

/** The package name and version of `@kairos/client`. */
const pkg: { readonly name: string; readonly version: string } = {
  name: packageJson.name,
  version: packageJson.version,
};

export default pkg;
