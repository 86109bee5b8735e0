// The package's name and version.
export default {
  name: '@kairos/testing',
  version: '0.1.0',
};
