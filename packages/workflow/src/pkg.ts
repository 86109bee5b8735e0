// The package's name and version, for the SDK information the worker and the stack trace queries report.
export default {
  name: '@kairos/workflow',
  version: '0.1.0',
};
