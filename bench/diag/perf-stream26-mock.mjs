// The mock provider (packages/mock-provider, built) in a child process, for the perf-stream26
// diagnostics: plain JavaScript, so that they run on any Node binary without a loader.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Starts the mock on a free loopback port; resolves to its base URL and the child process. */
export async function startMock() {
  const child = spawn(process.execPath, [`${root}packages/mock-provider/dist/esm/bin.js`, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
    execArgv: [],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`mock provider exited with ${code}`)));
  });
  child.stdout.resume();
  return { url, child };
}

/** An OTLP sink on a free loopback port that answers every export 200; resolves to the listening server. */
export async function startSink() {
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return sink;
}

/** The app of perf-trace-opt (perf-trace-opt-app.cjs), run by the compile diagnostics. */
export const traceOptApp = `${root}bench/diag/perf-trace-opt-app.cjs`;

/**
 * The environment of a perf-trace-opt-app process: `calls` sequential calls to `mock`, OTLP to
 * `sink`, Prometheus on a free port, the store in `home`; `extra` on top.
 */
export function traceOptAppEnv(mock, sink, calls, home, extra = {}) {
  return {
    ...process.env,
    NODE_OPTIONS: '',
    TO_CALLS: String(calls),
    BENCH_MOCK_URL: mock.url,
    BENCH_APP_DIR: root.replace(/\/$/, ''),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`,
    OTEL_EXPORTER_PROMETHEUS_PORT: '0',
    TOKENMETER_HOME: home,
    ...extra,
  };
}
