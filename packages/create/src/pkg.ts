// The package's name and version: generated projects depend on this version of the @kairos/* packages.
export default {
  name: '@kairos/create',
  version: '0.1.0',
};
