// A real redis-server for a test: a free loopback port, no persistence, stopped by the caller.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe } from 'node:test';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

/** Starts redis-server; rejects after 10 s if it does not answer PING. */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(p),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await ping(p))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${p}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    },
  };
}

const redisMissing = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0;

/**
 * A suite of tests against one real redis-server (started before, stopped after); skipped where
 * redis-server is not installed, except in CI (TOKENMETER_CI), where its absence fails.
 */
export function describeWithRedis(name: string, tests: (server: () => RedisServer) => void): void {
  describe(name, {
    skip:
      redisMissing &&
      !process.env.TOKENMETER_CI &&
      'redis-server not installed (apt-get install redis-server)',
  }, () => {
    let server: RedisServer | undefined;
    before(async () => {
      server = await startRedisServer();
    });
    after(async () => {
      await server?.stop();
    });
    tests(() => server!);
  });
}
