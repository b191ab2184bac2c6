/**
 * The health page's body (HTML; every value escaped): overall figures, one row per resource type, then the
 * tables behind them (verification failures, answers by status, lag per partition, dead letters and unrouted
 * with their Re-drive / Replay buttons). A figure not known yet reads "-" with the reason in the footer.
 */
import { RESOURCE_TYPES } from '@okendo/schemas';
import { csrfField, escapeHtml } from '../page.js';
import { resourceTypeOfTopic } from './health-figures.js';
import type { HealthReport } from './health-service.js';
import {
  FRESHNESS_MINUTES,
  RECENT_MINUTES,
  type ReasonCount,
  type WarehouseCounts,
} from './warehouse-counts.js';

const DASH = '-';

export function formatNumber(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatPercent(value: number | null): string {
  return value === null ? DASH : `${(value * 100).toFixed(1)}%`;
}

export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value < 1 ? `${(value * 1_000).toFixed(0)} ms` : `${value.toFixed(value < 10 ? 2 : 0)} s`;
}

/** "42 s ago", "3 min ago", "5 h ago", "2 d ago". */
export function formatAge(iso: string | null, nowMs: number): string {
  if (iso === null) return 'never';
  const seconds = Math.max(0, (nowMs - Date.parse(iso)) / 1_000);
  if (seconds < 120) return `${Math.round(seconds)} s ago`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

const cell = (value: string, testid?: string) =>
  `<td class="num"${testid ? ` data-testid="${testid}"` : ''}>${escapeHtml(value)}</td>`;

function figureTable(rows: Array<[label: string, value: string, testid: string, from: string]>): string {
  return `<table><thead><tr><th>figure</th><th class="num">value</th><th>from</th></tr></thead><tbody>${rows
    .map(
      ([label, value, testid, from]) =>
        `<tr><th scope="row">${escapeHtml(label)}</th>${cell(value, testid)}<td class="muted">${escapeHtml(from)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function keyValueTable(heading: string, rows: Record<string, number> | null, unit: string, testid: string) {
  const entries = rows === null ? [] : Object.entries(rows).sort(([a], [b]) => a.localeCompare(b));
  const body =
    entries.length === 0
      ? `<tr><td colspan="2" class="muted">${rows === null ? 'needs a second scrape' : 'none'}</td></tr>`
      : entries.map(([key, n]) => `<tr><td>${escapeHtml(key)}</td>${cell(formatNumber(n, 2))}</tr>`).join('');
  return `<table data-testid="${testid}"><thead><tr><th>${escapeHtml(heading)}</th><th class="num">${escapeHtml(unit)}</th></tr></thead><tbody>${body}</tbody></table>`;
}

function reasonTable(reasons: ReasonCount[], testid: string): string {
  if (reasons.length === 0) return `<p class="muted" data-testid="${testid}">none</p>`;
  return `<table data-testid="${testid}"><thead><tr><th>latest reasons</th><th class="num">count</th><th>latest</th></tr></thead><tbody>${reasons
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.reason)}</td>${cell(formatNumber(r.count, 0))}<td>${escapeHtml(r.latest)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function actionForm(csrfToken: string, action: string, from: string | undefined, label: string): string {
  return `<form class="inline" method="post" action="${action}">${csrfField(csrfToken)}${
    from === undefined ? '' : `<input type="hidden" name="from" value="${escapeHtml(from)}">`
  }<button type="submit">${escapeHtml(label)}</button></form>`;
}

function parkedSection(counts: WarehouseCounts, csrfToken: string): string {
  return `<h2>Dead letters and unrouted</h2>
<p>Open dead letters: <strong data-testid="dead-letters-open">${formatNumber(counts.deadLettersOpen, 0)}</strong>
${actionForm(csrfToken, '/health/redrive', undefined, 'Re-drive dead letters')}
${actionForm(csrfToken, '/health/replay', 'dead-letters', 'Replay dead letters through Kafka')}</p>
${reasonTable(counts.deadLetterReasons, 'dead-letter-reasons')}
<p>Unrouted deliveries: <strong data-testid="unrouted-count">${formatNumber(counts.unrouted, 0)}</strong>
${actionForm(csrfToken, '/health/replay', 'unrouted', 'Replay unrouted')}</p>
${reasonTable(counts.unroutedReasons, 'unrouted-reasons')}
<p class="muted">Re-drive runs <code>okendo-pipeline redrive</code> (writes the state tables from the events rows; in
embedded mode stop the sink first). Replay runs <code>okendo-pipeline replay --from dead-letters|unrouted --yes</code>
(re-publishes what the current mapping or routing accepts; then re-drive closes the dead letters). Both are audited.</p>`;
}

export function renderHealthBody(report: HealthReport, csrfToken: string, nowMs: number): string {
  const m = report.metrics;
  const counts = 'error' in report.warehouse ? undefined : report.warehouse;
  const src = m.source === 'prometheus' ? 'Prometheus' : '/metrics';
  const overall = figureTable([
    [
      'deliveries per minute',
      formatNumber(m.deliveriesPerMinute),
      'deliveries-per-minute',
      `${src}: ingest verifications`,
    ],
    [
      'delivery success rate (2xx / signed)',
      formatPercent(m.successRate),
      'success-rate',
      `${src}: ingest answers`,
    ],
    ['ingest response time p50', formatSeconds(m.responseSeconds.p50), 'response-p50', src],
    ['ingest response time p99', formatSeconds(m.responseSeconds.p99), 'response-p99', src],
    [
      'publish queue depth',
      formatNumber(m.publishQueueDepth, 0),
      'publish-queue-depth',
      `${src}: ingest gauge`,
    ],
    ['requests in flight', formatNumber(m.inFlightRequests, 0), 'in-flight', `${src}: ingest gauge`],
    [
      'warehouse freshness p50 (received to inserted)',
      formatSeconds(m.freshnessSeconds.p50),
      'freshness-p50',
      `${src}: sink`,
    ],
    ['warehouse freshness p99', formatSeconds(m.freshnessSeconds.p99), 'freshness-p99', `${src}: sink`],
    [
      'dead-lettered per minute',
      formatNumber(m.deadLetteredPerMinute),
      'dead-lettered-per-minute',
      `${src}: sink`,
    ],
    [
      'insert retries per minute',
      formatNumber(m.insertRetriesPerMinute),
      'insert-retries-per-minute',
      `${src}: sink`,
    ],
  ]);
  const lagByType = new Map<string, { messages: number; seconds: number | null }>();
  for (const lag of m.lag) {
    const type = resourceTypeOfTopic(lag.topic);
    if (type === undefined) continue;
    const seen = lagByType.get(type) ?? { messages: 0, seconds: null };
    seen.messages += lag.messages;
    if (lag.seconds !== null) seen.seconds = Math.max(seen.seconds ?? 0, lag.seconds);
    lagByType.set(type, seen);
  }
  const byTypeRows = RESOURCE_TYPES.map((type) => {
    const stored = counts?.resourceTypes.find((r) => r.resourceType === type);
    const lag = lagByType.get(type);
    return `<tr data-testid="resource-row-${type}"><th scope="row">${escapeHtml(type)}</th>${cell(
      formatNumber(m.publishedPerMinute === null ? null : (m.publishedPerMinute[type] ?? 0)),
    )}${cell(formatNumber(stored?.storedPerMinute))}<td data-testid="last-event-${type}">${escapeHtml(
      stored === undefined ? DASH : formatAge(stored.lastEventAt, nowMs),
    )}</td>${cell(formatSeconds(stored?.freshnessSeconds.p50))}${cell(formatSeconds(stored?.freshnessSeconds.p99))}${cell(
      formatNumber(lag?.messages, 0),
    )}${cell(formatSeconds(lag?.seconds))}</tr>`;
  }).join('');
  const byType = `<table data-testid="resource-types"><thead><tr><th>resource type</th><th class="num">published / min</th><th class="num">stored / min (${RECENT_MINUTES} min)</th><th>last event</th><th class="num">freshness p50 (${FRESHNESS_MINUTES} min)</th><th class="num">p99</th><th class="num">lag (messages)</th><th class="num">lag (max s)</th></tr></thead><tbody>${byTypeRows}</tbody></table>`;
  const lagRows =
    m.lag.length === 0
      ? '<tr><td colspan="4" class="muted">no lag measured yet</td></tr>'
      : m.lag
          .map(
            (l) =>
              `<tr><td>${escapeHtml(l.topic)}</td>${cell(l.partition)}${cell(formatNumber(l.messages, 0))}${cell(formatSeconds(l.seconds))}</tr>`,
          )
          .join('');
  const window =
    m.windowSeconds === null
      ? 'rates need a second scrape: they appear at the next refresh'
      : `rates over the last ${formatNumber(m.windowSeconds, 0)} s`;
  const warehouseLine =
    counts === undefined
      ? `<p class="flash flash-error" role="alert" data-testid="warehouse-error">The warehouse did not answer: ${escapeHtml('error' in report.warehouse ? report.warehouse.error : '')}</p>`
      : '';
  return `<p class="muted" data-testid="health-sources">Figures from ${escapeHtml(m.from)} (${escapeHtml(window)}); counts from ClickHouse via ${escapeHtml(counts?.via ?? DASH)}. Updated ${escapeHtml(report.at)}, refreshes every ${report.refreshSeconds} s.</p>
${m.problems.map((p) => `<p class="flash flash-error" role="alert" data-testid="metrics-problem">${escapeHtml(p)}</p>`).join('\n')}
${warehouseLine}
<h2>Overall</h2>
${overall}
<h2>Per resource type</h2>
${byType}
<h2>Verification failures and answers</h2>
${keyValueTable('verification failure reason', m.verificationFailuresPerMinute, 'per minute', 'verification-failures')}
${keyValueTable('HTTP status', m.responsesPerMinute, 'per minute', 'responses-by-status')}
<h2>Consumer lag per partition</h2>
<table data-testid="lag-partitions"><thead><tr><th>topic</th><th class="num">partition</th><th class="num">messages</th><th class="num">seconds</th></tr></thead><tbody>${lagRows}</tbody></table>
${counts === undefined ? '' : parkedSection(counts, csrfToken)}`;
}
