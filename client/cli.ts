#!/usr/bin/env node
import { runCli } from './cli/main';

/** `offboard`: the operators' CLI (docs/cli.md). Each invocation is one command; its exit code is documented. */
void runCli(process.argv.slice(2), {
  streams: { stdout: process.stdout, stderr: process.stderr },
  env: process.env,
}).then((code) => {
  // Exit now: the Temporal connection is closed, and nothing else should keep a script waiting. But
  // first let what was written reach the reader: writes to a pipe are asynchronous on some platforms
  // (macOS), and exiting at once could cut a long `result --csv` short. A write's callback runs once
  // everything written before it has been handed over.
  let pending = 2;
  const done = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
});
