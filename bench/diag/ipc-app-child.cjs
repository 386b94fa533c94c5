// The child side of bench/diag/ipc-app.ts, shared by the export diagnostics' apps
// (perf-export-gc-app.cjs, perf-export-threads-app.cjs): bench/overhead/app.cjs's non-streamed call
// (openai SDK from BENCH_APP_DIR, the mock at BENCH_MOCK_URL over loopback) in blocks, driven over
// IPC. `block` replies with the app's snapshot at the block's start, so the coordinator charges a
// block with everything up to the next block's start (deferred export and store writes included);
// `mark` with a snapshot now; `exit` disconnects; any other command goes to the app's own handlers.
// Plain JavaScript, no loader.
'use strict';
const { createRequire } = require('node:module');

/**
 * Serves the IPC protocol with `snapshot()` (what a block reply and `mark` carry) and `commands`
 * (cmd → handler(msg), for the app's own commands).
 */
exports.serveBlocks = function serveBlocks(snapshot, commands = {}) {
  const { OpenAI } = createRequire(`${process.env.BENCH_APP_DIR}/`)('openai');
  const client = new OpenAI({ baseURL: `${process.env.BENCH_MOCK_URL}/v1`, apiKey: 'x', maxRetries: 0 });
  const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };

  async function block(calls) {
    const at = snapshot();
    for (let i = 0; i < calls; i++) {
      const r = await client.chat.completions.create(BODY);
      if (r.choices.length !== 1) throw new Error('unexpected completion');
    }
    return at;
  }

  process.on('message', (msg) => {
    const run = async () => {
      if (msg.cmd === 'block') return block(msg.calls);
      if (msg.cmd === 'mark') {
        // GC entries arrive asynchronously: let them land first.
        await new Promise((r) => setImmediate(r));
        return snapshot();
      }
      if (msg.cmd === 'exit') return void process.disconnect();
      if (Object.hasOwn(commands, msg.cmd)) return commands[msg.cmd](msg);
    };
    run().then(
      (result) => process.connected && process.send({ id: msg.id, ok: true, result }),
      (e) => process.send({ id: msg.id, ok: false, error: String(e?.stack ?? e) }),
    );
  });
  process.send({ ready: true });
};
