// Workflows of the pack test's worker project (plain CommonJS, as a user without a TypeScript build might write).
'use strict';
const { proxyActivities, sleep } = require('@kairos/workflow');

const { greet } = proxyActivities({ startToCloseTimeout: '1 minute' });

async function example(name) {
  return await greet(name);
}

async function greetLater(name, delay) {
  await sleep(delay);
  return await greet(name);
}

module.exports = { example, greetLater };
