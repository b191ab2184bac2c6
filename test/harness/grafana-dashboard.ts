/**
 * Reads infra/grafana's dashboard as the tests check it: every panel query with Grafana's template variables
 * replaced the way Grafana would for "All" (the variables' allValue) and a rate interval fit for 1 s scrapes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../vitest.shared.js';

export const DASHBOARD_FILE = join(repoRoot, 'infra', 'grafana', 'dashboards', 'okendo-pipeline.json');
export const DATASOURCE_FILE = join(
  repoRoot,
  'infra',
  'grafana',
  'provisioning',
  'datasources',
  'prometheus.yml',
);

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id?: number;
  type: string;
  title: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

export interface TemplateVariable {
  name: string;
  allValue?: string;
  definition?: string;
  datasource?: { uid?: string };
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
}

export interface PanelQuery {
  panel: string;
  refId: string;
  /** as written in the dashboard */
  expr: string;
  /** variables replaced: what Prometheus is asked */
  promql: string;
}

export async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Panels of the dashboard, those inside collapsed rows too, rows themselves left out. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

/** Replaces `$name` / `${name}` with the variable's allValue and `$__rate_interval` with `rateInterval`. */
export function substitute(expr: string, dashboard: Dashboard, rateInterval: string): string {
  const values = new Map<string, string>([['__rate_interval', rateInterval]]);
  for (const v of dashboard.templating.list) values.set(v.name, v.allValue ?? '.+');
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const value = values.get(name);
    if (value === undefined) throw new Error(`unknown template variable ${whole} in ${expr}`);
    return value;
  });
}

export function panelQueries(dashboard: Dashboard, rateInterval: string): PanelQuery[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => {
      const expr = target.expr ?? '';
      return {
        panel: panel.title,
        refId: target.refId ?? '?',
        expr,
        promql: substitute(expr, dashboard, rateInterval),
      };
    }),
  );
}

/** `label_values(<selector>, <label>)`, the variables' query form, split into its two parts. */
export function labelValuesQuery(definition: string): { selector: string; label: string } {
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(definition.trim());
  if (match?.[1] === undefined || match[2] === undefined)
    throw new Error(`not a label_values(selector, label) query: ${definition}`);
  return { selector: match[1], label: match[2] };
}
