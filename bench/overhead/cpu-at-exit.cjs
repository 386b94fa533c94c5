// Start-up benchmark helper, loaded first with `--require`: writes the process's CPU time (user +
// system, µs, all threads) to file descriptor 3 when it exits. Wall time suffers from other load on
// the machine far more than CPU time does.
'use strict';
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  process.on('exit', () => {
    const c = process.cpuUsage();
    require('node:fs').writeSync(3, `${c.user + c.system}\n`);
  });
}
