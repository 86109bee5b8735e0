#!/usr/bin/env node
/**
 * The `create-kairos` command (`pnpm create @kairos`, `npm init @kairos`):
 *
 *   create-kairos <directory> [--example NAME] [--kairos-version RANGE] [--no-install]
 *   create-kairos --list-examples
 */
import { createProject, CreateProjectError } from './create-project';
import { listExamples } from './templates';

const USAGE = `Usage:
  create-kairos <directory> [--example NAME] [--kairos-version RANGE] [--no-install]
  create-kairos --list-examples

  --example, --sample NAME   the example to start from (default hello-world)
  --kairos-version RANGE     version range of the @kairos/* dependencies (default ^ this package's version)
  --no-install               write the project without installing its dependencies
  --list-examples            print the examples and exit`;

function main(argv: string[]): number {
  let directory: string | undefined;
  let example: string | undefined;
  let kairosVersion: string | undefined;
  let install: false | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new CreateProjectError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--list-examples' || arg === '--list-samples') {
      console.log(listExamples().join('\n'));
      return 0;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return 0;
    } else if (arg === '--example' || arg === '--sample') example = value();
    else if (arg === '--kairos-version') kairosVersion = value();
    else if (arg === '--no-install') install = false;
    else if (arg.startsWith('-')) throw new CreateProjectError(`unknown option ${arg}\n\n${USAGE}`);
    else if (directory === undefined) directory = arg;
    else throw new CreateProjectError(`one directory only: got ${directory} and ${arg}`);
  }
  if (directory === undefined) throw new CreateProjectError(`a directory is required\n\n${USAGE}`);
  createProject({ directory, example, kairosVersion, install });
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CreateProjectError)) throw err;
  console.error(`create-kairos: ${err.message}`);
  process.exitCode = 1;
}
