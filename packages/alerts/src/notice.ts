// The notice sent about an alert: the generic webhook's JSON body, and what the Slack and PagerDuty
// bodies are rendered from. `id` is unique per notice and the same on every retry: receivers dedupe
// on it.

import type { AlertRecord, AlertSeverity } from '@tokenmeter/store';
import { formatUsd } from '@tokenmeter/store';
import type { AlertUnit, Contributor, ContributorDimension, Finding } from './types.js';
import { VERSION } from './version.js';

export type NoticeType = 'alert.triggered' | 'alert.resolved' | 'alert.test';

/** What the log keeps of a finding (the alert's `detail`), plus where it shows. */
export type AlertDetail = Omit<Finding, 'key' | 'kind' | 'severity' | 'level'>;

export interface AlertNotice {
  /** Unique per notice, stable across retries: dedupe on it. */
  id: string;
  type: NoticeType;
  /** When the notice was queued (ISO 8601). */
  createdAt: string;
  alert: {
    /** The alert's id in the store's log (`tokenmeter alerts log`). */
    id: number;
    key: string;
    kind: string;
    severity: AlertSeverity;
    state: 'firing' | 'resolved';
    title: string;
    value: number;
    baseline: number | null;
    unit: AlertUnit;
    /** Since when the condition holds (ISO 8601), and when it cleared. */
    since: string;
    resolvedAt: string | null;
    contributors: Partial<Record<ContributorDimension, Contributor[]>>;
    contributorUnit: Finding['contributorUnit'];
    runbook: string;
    /** The dashboard page that shows the data, and the alert in the dashboard's alert log. */
    url: string;
    alertUrl: string;
    scope: Record<string, string>;
  };
  source: { name: 'tokenmeter'; version: string };
}

/** The dashboard's base URL joined with a path (`/?view=...`). */
export function dashboardUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export function makeNotice(
  type: NoticeType,
  id: string,
  alert: Pick<AlertRecord, 'id' | 'key' | 'kind' | 'severity' | 'openedMs'> & { resolvedMs?: number | null },
  detail: AlertDetail,
  dashboard: string,
  nowMs: number,
): AlertNotice {
  return {
    id,
    type,
    createdAt: new Date(nowMs).toISOString(),
    alert: {
      id: alert.id,
      key: alert.key,
      kind: alert.kind,
      severity: alert.severity,
      state: type === 'alert.resolved' ? 'resolved' : 'firing',
      title: detail.title,
      value: detail.value,
      baseline: detail.baseline,
      unit: detail.unit,
      since: new Date(alert.openedMs).toISOString(),
      resolvedAt: alert.resolvedMs ? new Date(alert.resolvedMs).toISOString() : null,
      contributors: detail.contributors,
      contributorUnit: detail.contributorUnit,
      runbook: detail.runbook,
      url: dashboardUrl(dashboard, detail.path),
      alertUrl: dashboardUrl(dashboard, `/?view=alerts&alert=${alert.id}`),
      scope: detail.scope,
    },
    source: { name: 'tokenmeter', version: VERSION },
  };
}

/** A contributor's value for people: money, calls or tokens. */
export function formatContributorValue(value: number, unit: Finding['contributorUnit']): string {
  if (unit === 'nanos') return formatUsd(value);
  return `${value.toLocaleString('en-US')} ${unit === 'requests' ? 'calls' : 'tokens'}`;
}

/** "model: gpt-4o 62% ($8.80), claude-sonnet-4-5 20% ($2.84)" lines, one per dimension. */
export function contributorLines(n: AlertNotice['alert']): string[] {
  const out: string[] = [];
  for (const [dim, list] of Object.entries(n.contributors) as [ContributorDimension, Contributor[]][]) {
    if (!list?.length) continue;
    const items = list.map(
      (c) =>
        `${c.key ?? '(not set)'} ${Math.round(c.share * 100)}% (${formatContributorValue(c.value, n.contributorUnit)})`,
    );
    out.push(`${dim}: ${items.join(', ')}`);
  }
  return out;
}
