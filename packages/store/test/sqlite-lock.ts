// Another connection holding a store's write lock, the way a user's `sqlite3` shell or a backup tool
// does: the real sqlite3 CLI in `BEGIN IMMEDIATE`, until release().
import { spawn } from 'node:child_process';

export interface LockHolder {
  /** Ends the transaction and the shell. */
  release(): Promise<void>;
}

export function holdWriteLock(file: string): Promise<LockHolder> {
  const shell = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const closed = new Promise<void>((resolve) => shell.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      shell.kill('SIGKILL');
      reject(new Error(`sqlite3 did not take the lock: ${err}`));
    }, 15_000);
    shell.on('error', reject);
    shell.stderr.on('data', (d) => {
      err += d;
    });
    shell.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('locked')) return;
      clearTimeout(timer);
      resolve({
        release: async () => {
          shell.stdin.end('ROLLBACK;\n.quit\n');
          await closed;
        },
      });
    });
    shell.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
  });
}
