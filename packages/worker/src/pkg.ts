// The package's name and version (sent to the server as the SDK identity of the worker).
export default {
  name: '@kairos/worker',
  version: '0.1.0',
};
