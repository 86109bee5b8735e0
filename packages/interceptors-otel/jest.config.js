// The test scripts run jest with --experimental-vm-modules: the OTLP/HTTP exporter loads `http` with a dynamic
// `import()` when it first sends, which jest's module sandbox only supports with that flag (see the README).
module.exports = { ...require('../../jest.preset.js') };
