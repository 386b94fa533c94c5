// One line per thing the alert runner did, for `tokenmeter watch` and `tokenmeter serve`.
import type { RunnerEvent } from '@tokenmeter/alerts';
import type { Styles } from '../io.js';
import { formatDateTime } from '../query/time.js';

export function eventLine(e: RunnerEvent, s: Styles, timeZone: string, now: number): string {
  const at = s.dim(formatDateTime(now, timeZone));
  switch (e.type) {
    case 'fired':
    case 'escalated': {
      const sev = e.alert.severity === 'critical' ? s.red('critical') : s.yellow('warning ');
      const title = (e.alert.detail as { title?: string } | null)?.title ?? e.alert.key;
      return `${at}  ${s.bold(e.type === 'fired' ? 'FIRED    ' : 'ESCALATED')} ${sev}  ${title}  ${s.dim(`(alert ${e.alert.id}, ${e.queued} notice${e.queued === 1 ? '' : 's'} queued)`)}`;
    }
    case 'resolved':
      return `${at}  ${s.green('RESOLVED ')}           ${e.alert.key}  ${s.dim(`(alert ${e.alert.id}, ${e.queued} notice${e.queued === 1 ? '' : 's'} queued)`)}`;
    case 'delivered':
      return `${at}  ${s.green('DELIVERED')}           ${e.message.notice} of alert ${e.message.alertId} to ${e.message.sink}`;
    case 'retry':
      return `${at}  ${s.yellow('RETRY    ')}           ${e.message.notice} of alert ${e.message.alertId} to ${e.message.sink}: ${e.error}; next try ${formatDateTime(e.nextAttemptMs ?? now, timeZone)}`;
    case 'failed':
      return `${at}  ${s.red('FAILED   ')}           ${e.message.notice} of alert ${e.message.alertId} to ${e.message.sink}: ${e.error}`;
    case 'waiting':
      return `${at}  ${s.dim('WAITING  ')}           another process (${e.holder.split(':').slice(0, 2).join(' pid ')}: tokenmeter serve or watch) evaluates alerts for this store; taking over when it stops`;
  }
}
