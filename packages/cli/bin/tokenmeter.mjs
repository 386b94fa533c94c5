#!/usr/bin/env node
// The `tokenmeter` command. Kept outside src/ so it may use import.meta (src is also built as CommonJS).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../dist/esm/main.js';

const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));

// `tokenmeter calls | head`: the reader went away; stop quietly like other CLIs.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

/** For long-running commands (serve, demo --serve): resolves on the first SIGINT or SIGTERM. */
function waitForSignal() {
  return new Promise((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.once(sig, () => {
        resolve(sig);
        // A second signal while shutting down: leave now.
        process.once(sig, () => process.exit(130));
      });
    }
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  packageRoot,
  waitForSignal,
});
