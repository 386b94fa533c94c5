// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
// a trigger opens (or updates) the incident of a dedup key, a resolve with the same key closes it.
// The dedup key is the alert's (one incident per alert), so a retried trigger is deduplicated by
// PagerDuty itself; our notice id goes along in custom_details.
import type { AlertNotice } from '../notice.js';
import { contributorLines } from '../notice.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export function pagerDutyDedupKey(a: AlertNotice['alert']): string {
  return `tokenmeter:${a.key}:${a.id}`;
}

export function renderPagerDuty(notice: AlertNotice, routingKey: string): string {
  const a = notice.alert;
  const dedup_key = pagerDutyDedupKey(a);
  if (notice.type === 'alert.resolved')
    return JSON.stringify({ routing_key: routingKey, event_action: 'resolve', dedup_key });
  return JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: a.title.slice(0, 1024),
      source: 'tokenmeter',
      severity: a.severity,
      timestamp: notice.createdAt,
      ...(a.scope.feature ? { component: a.scope.feature } : {}),
      ...(a.scope.tenant ? { group: a.scope.tenant } : {}),
      class: a.kind,
      custom_details: {
        id: notice.id,
        since: a.since,
        value: a.value,
        baseline: a.baseline,
        unit: a.unit,
        contributors: contributorLines(a),
        runbook: a.runbook,
      },
    },
    links: [{ href: a.url, text: 'tokenmeter dashboard' }],
    client: 'tokenmeter',
    client_url: a.alertUrl,
  });
}
