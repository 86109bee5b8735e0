#!/usr/bin/env node
// Writes the Kairos twins of the replay-compatibility workflows and activities: each file of `official/` is
// copied to `kairos/` with the `@temporalio/` import scope changed to `@kairos/` and nothing else.
// test/replay.test.ts checks that the twins are up to date.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The Kairos twin of an official source file. */
function kairosTwin(source) {
  return source.replace(/(['"])@temporalio\//g, '$1@kairos/');
}

const TWIN_FILES = ['workflows.ts', 'activities.ts'];

if (require.main === module) {
  for (const file of TWIN_FILES) {
    const source = fs.readFileSync(path.join(__dirname, 'official', file), 'utf8');
    fs.writeFileSync(path.join(__dirname, 'kairos', file), kairosTwin(source));
    console.log(`wrote kairos/${file}`);
  }
}

module.exports = { kairosTwin, TWIN_FILES };
