import { runCli } from './program';

void runCli(process.argv, {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  now: () => new Date(),
  signals: process,
}).then((code) => {
  process.exitCode = code;
});
