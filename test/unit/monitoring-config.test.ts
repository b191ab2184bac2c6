/**
 * The Grafana dashboard's shape (every panel queries the provisioned datasource, only known variables) and
 * the rule scaling the Prometheus alert test relies on. The queries themselves run against a real Prometheus
 * in test/integration/grafana-dashboard.test.ts; the rules in `promtool test rules` (.ci/run).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  allPanels,
  DATASOURCE_FILE,
  labelValuesQuery,
  panelQueries,
  readDashboard,
  substitute,
} from '../harness/grafana-dashboard.js';
import { scaleRuleDurations } from '../harness/prometheus.js';

describe('Grafana dashboard', () => {
  it('queries the provisioned datasource in every panel and target', async () => {
    const dashboard = await readDashboard();
    const uid = /^\s+uid: (\S+)$/m.exec(await readFile(DATASOURCE_FILE, 'utf8'))?.[1];
    expect(uid).toBe('okendo-prometheus');
    const panels = allPanels(dashboard);
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe(uid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe(uid);
        expect(target.expr?.trim(), panel.title).not.toBe('');
      }
    }
    for (const variable of dashboard.templating.list) expect(variable.datasource?.uid).toBe(uid);
  });

  it('has unique panel ids and fits a 24-column grid', async () => {
    const dashboard = await readDashboard();
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      const grid = p.gridPos;
      expect(grid, p.title).toBeDefined();
      if (grid !== undefined) expect(grid.x + grid.w, p.title).toBeLessThanOrEqual(24);
    }
  });

  it('uses only its own template variables, replaced as for "All"', async () => {
    const dashboard = await readDashboard();
    for (const q of panelQueries(dashboard, '20s')) expect(q.promql, q.panel).not.toContain('$');
    expect(substitute('rate(x{topic=~"$topic"}[$__rate_interval])', dashboard, '1m')).toBe(
      'rate(x{topic=~".+"}[1m])',
    );
    expect(() => substitute('x{a="$nope"}', dashboard, '1m')).toThrow(/unknown template variable \$nope/);
    for (const v of dashboard.templating.list)
      expect(() => labelValuesQuery(v.definition ?? '')).not.toThrow();
  });
});

describe('scaleRuleDurations', () => {
  it('divides range selectors and for: durations, nothing else', () => {
    const rules = [
      '      - alert: A',
      '        expr: sum(rate(x{job="j"}[10m])) > 6 * 3600 and deriv(y[15m]) > 0.9',
      '        for: 10m',
      '        annotations:',
      '          summary: for 5m [nothing] here',
    ].join('\n');
    expect(scaleRuleDurations(rules, 30).split('\n')).toEqual([
      '      - alert: A',
      '        expr: sum(rate(x{job="j"}[20s])) > 6 * 3600 and deriv(y[30s]) > 0.9',
      '        for: 20s',
      '        annotations:',
      '          summary: for 5m [nothing] here',
    ]);
  });

  it('never scales below one second', () => {
    expect(scaleRuleDurations('x[5s]\n  for: 1h', 30)).toBe('x[1s]\n  for: 120s');
  });
});
