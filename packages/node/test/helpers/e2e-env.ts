// What an e2e test file under the real preload starts once and ends after its last test: the mock
// provider the app calls, a real OTLP receiver the preload exports to, and a temporary directory
// (stores, pricing and budget files) made when a test first asks for it, removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { type OtlpReceiver, startOtlpReceiver } from '../../../../test-support/otlp-receiver.js';

export interface E2eEnv {
  readonly mock: MockProvider;
  readonly receiver: OtlpReceiver;
  /** A fresh directory under the OS temp dir, named `tm-e2e-<prefix>-…`, made when first read. */
  readonly dir: string;
}

/**
 * Registers the file's `before` and `after` hooks and returns the environment they set up; read its
 * fields inside tests (they exist once `before` has run).
 */
export function useE2eEnv(prefix: string): E2eEnv {
  let mock: MockProvider | undefined;
  let receiver: OtlpReceiver | undefined;
  let dir: string | undefined;
  before(async () => {
    mock = await startMockProvider();
    receiver = await startOtlpReceiver();
  });
  after(async () => {
    await Promise.all([mock?.close(), receiver?.close()]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useE2eEnv: ${name} is read before the before() hook ran`);
    return value;
  };
  return {
    get mock() {
      return ready(mock, 'mock');
    },
    get receiver() {
      return ready(receiver, 'receiver');
    },
    get dir() {
      dir ??= mkdtempSync(path.join(os.tmpdir(), `tm-e2e-${prefix}-`));
      return dir;
    },
  };
}
