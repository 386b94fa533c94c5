// Slack incoming-webhook payloads (https://api.slack.com/messaging/webhooks): `text` for the
// notification and clients without blocks, Block Kit blocks for the message itself. Text from the
// store (feature, model names) is escaped for mrkdwn (&, <, >).
import type { AlertNotice } from '../notice.js';
import { contributorLines } from '../notice.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const MARK = { critical: ':red_circle:', warning: ':large_orange_circle:', resolved: ':white_check_mark:' };

export function renderSlack(notice: AlertNotice): string {
  const a = notice.alert;
  const resolved = notice.type === 'alert.resolved';
  const test = notice.type === 'alert.test';
  const head = test
    ? 'Test from tokenmeter'
    : resolved
      ? `Resolved: ${a.title}`
      : `[${a.severity.toUpperCase()}] ${a.title}`;
  const mark = resolved ? MARK.resolved : MARK[a.severity];
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: `${mark} *${esc(head)}*` } }];
  if (!test) {
    const since = `Since ${a.since.replace('T', ' ').slice(0, 16)} UTC${a.resolvedAt ? `, resolved ${a.resolvedAt.replace('T', ' ').slice(0, 16)} UTC` : ''}`;
    const lines = contributorLines(a).map((l) => `• ${esc(l)}`);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [since, ...(lines.length ? ['*Top contributors*', ...lines] : [])].join('\n'),
      },
    });
    if (!resolved)
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Runbook: ${esc(a.runbook)}` }] });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `<${a.url}|Open in tokenmeter> · alert ${a.id} · id ${notice.id}` }],
  });
  return JSON.stringify({ text: `${resolved ? 'Resolved: ' : ''}${head}`, blocks });
}
