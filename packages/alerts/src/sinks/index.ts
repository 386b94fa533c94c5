// A sink = how a notice is rendered for it and how it is posted. Sinks come from the store
// (`tokenmeter alerts add`), from the budgets file's `alerts:` section, or from code (the demo).
import type { AlertSink, AlertSinkKind } from '@tokenmeter/store';
import type { AlertNotice } from '../notice.js';
import type { SinkTarget } from '../types.js';
import { VERSION } from '../version.js';
import { PAGERDUTY_EVENTS_URL, renderPagerDuty } from './pagerduty.js';
import { renderSlack } from './slack.js';
import { renderWebhook, SIGNATURE_HEADER, signature } from './webhook.js';

export const SINK_KINDS: readonly AlertSinkKind[] = ['webhook', 'slack', 'pagerduty'];

/** The body sent to `sink` for `notice` (fixed when queued: retries send the same bytes). */
export function renderFor(sink: SinkTarget, notice: AlertNotice): string {
  if (sink.kind === 'slack') return renderSlack(notice);
  if (sink.kind === 'pagerduty') return renderPagerDuty(notice, sink.secret ?? '');
  return renderWebhook(notice);
}

/** Headers of a POST of `body` to `sink`. */
export function headersFor(sink: SinkTarget, body: string, id: string): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': `tokenmeter-alerts/${VERSION}`,
  };
  if (sink.kind === 'webhook') {
    h['X-Tokenmeter-Id'] = id;
    if (sink.secret) h[SIGNATURE_HEADER] = signature(sink.secret, body);
  }
  return h;
}

export function storeSinkTarget(s: AlertSink): SinkTarget {
  return { name: `store:${s.id}`, kind: s.kind, url: s.url, secret: s.secret, minSeverity: s.minSeverity };
}

/** Why a sink's settings cannot work, in one line naming the field; undefined when they can. */
export function checkSink(s: Pick<SinkTarget, 'kind' | 'url' | 'secret'>): string | undefined {
  if (!SINK_KINDS.includes(s.kind)) return `type must be webhook, slack or pagerduty, not "${s.kind}"`;
  let u: URL;
  try {
    u = new URL(s.url);
  } catch {
    return `url "${s.url}" is not a URL (expected https://...)`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return `url "${s.url}" must start with https:// (or http:// for a local receiver)`;
  if (s.kind === 'pagerduty' && !s.secret)
    return 'a PagerDuty sink needs its integration (routing) key: --secret KEY';
  if (s.kind === 'slack' && s.secret)
    return 'a Slack incoming webhook takes no secret (the URL is the secret)';
  return undefined;
}

export { PAGERDUTY_EVENTS_URL };

/** The URL with its path hidden (Slack and webhook URLs often hold a token): https://hooks.slack.com/… */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 1 ? '/…' : '';
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '…';
  }
}

export type { AlertNotice };
