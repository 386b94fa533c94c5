// The generic JSON webhook: the notice as is, signed with HMAC-SHA256 over the exact body bytes.
//   X-Tokenmeter-Signature: sha256=<hex>
// A receiver recomputes the HMAC of the raw body with the shared secret and compares in constant time.
import { createHmac } from 'node:crypto';
import type { AlertNotice } from '../notice.js';

export const SIGNATURE_HEADER = 'X-Tokenmeter-Signature';

export function renderWebhook(notice: AlertNotice): string {
  return JSON.stringify(notice);
}

/** `sha256=<hex HMAC-SHA256 of body>` */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
