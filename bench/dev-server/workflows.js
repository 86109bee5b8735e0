// The benchmark workflow: one activity, as in the issue ("a one-activity workflow").
const { proxyActivities } = require('@temporalio/workflow');

const { greet } = proxyActivities({ startToCloseTimeout: '10s' });

async function oneActivity(name) {
  return await greet(name);
}

module.exports = { oneActivity };
