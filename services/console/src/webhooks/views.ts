/** The webhooks pages' HTML. Every value from Okendo, the form or the query is escaped. */
import { type SendTestResult, sendTestHops } from '@okendo/cli';
import { csrfField, escapeHtml as e } from '../page.js';
import { RESOURCE_TYPE_CHOICES, type SubscriptionFormValues, TOPIC_CHOICES } from './subscription-form.js';
import type { RowFilter, SubscriptionRow } from './subscription-rows.js';

export const subscriptionPath = (source: string, id: string, action: string): string =>
  `/webhooks/${encodeURIComponent(source)}/${encodeURIComponent(id)}/${action}`;

export function statusBadge(isEnabled: boolean): string {
  return isEnabled
    ? '<span class="badge badge-active" data-testid="status-badge" data-status="active">Active</span>'
    : '<span class="badge badge-inactive" data-testid="status-badge" data-status="inactive">Inactive</span>';
}

const option = (value: string, label: string, selected: boolean): string =>
  `<option value="${e(value)}"${selected ? ' selected' : ''}>${e(label)}</option>`;

export function searchForm(filter: RowFilter, sources: readonly string[]): string {
  return `<form method="get" action="/" role="search" data-testid="search-form">
<label>Search <input type="search" name="q" value="${e(filter.q)}" placeholder="resource, event or URL" data-testid="search-input"></label>
<label>Source <select name="source" data-testid="filter-source">${option('all', 'all', filter.source === undefined)}${sources
    .map((s) => option(s, s, filter.source === s))
    .join('')}</select></label>
<label>Status <select name="status" data-testid="filter-status">${option('all', 'all', filter.status === 'all')}${option('active', 'Active', filter.status === 'active')}${option('inactive', 'Inactive', filter.status === 'inactive')}</select></label>
<button type="submit" data-testid="search-submit">Search</button>
</form>`;
}

const post = (action: string, csrfToken: string, inner: string, testId: string): string =>
  `<form method="post" action="${e(action)}" class="inline" data-testid="${testId}">${csrfField(csrfToken)}${inner}</form>`;

function rowActions(row: SubscriptionRow, csrfToken: string): string {
  const path = (action: string) => subscriptionPath(row.source, row.subscriptionId, action);
  const toggle = row.isEnabled
    ? post(
        path('disable'),
        csrfToken,
        '<button type="submit" data-testid="disable-button">Disable</button>',
        'disable-form',
      )
    : post(
        path('enable'),
        csrfToken,
        '<button type="submit" data-testid="enable-button">Enable</button>',
        'enable-form',
      );
  const sendTest = post(
    path('send-test'),
    csrfToken,
    `<input type="hidden" name="resourceType" value="${e(row.resourceType)}"><button type="submit" data-testid="send-test-button">Send test</button>`,
    'send-test-form',
  );
  const rotate = post(
    path('rotate-secret'),
    csrfToken,
    '<label>Overlap <input type="text" name="overlap" value="24h" size="5" data-testid="rotate-overlap"></label><button type="submit" data-testid="rotate-button">Rotate secret</button>',
    'rotate-form',
  );
  return `<details class="actions" data-testid="row-actions"><summary>Actions</summary>
<a href="${e(path('edit'))}" data-testid="edit-link">Edit</a> ${toggle} <a href="${e(path('delete'))}" data-testid="delete-link">Delete</a>
${sendTest} ${rotate}</details>`;
}

export function subscriptionTable(rows: readonly SubscriptionRow[], csrfToken: string): string {
  if (rows.length === 0)
    return '<p class="muted" data-testid="no-subscriptions">No webhook subscriptions match.</p>';
  const body = rows
    .map(
      (
        row,
      ) => `<tr data-testid="subscription-row" data-subscription-id="${e(row.subscriptionId)}" data-source="${e(row.source)}" data-resource-type="${e(row.resourceType)}" data-topic="${e(row.topic)}">
<td>${e(row.source)}</td><td>${e(row.resourceType)}</td><td>${e(row.topic)}</td><td data-testid="endpoint-url">${e(row.endpointUrl)}</td>
<td>${statusBadge(row.isEnabled)}</td><td><code>${e(row.subscriptionId)}</code></td><td>${rowActions(row, csrfToken)}</td></tr>`,
    )
    .join('\n');
  return `<table data-testid="subscriptions-table"><thead><tr><th>Source</th><th>Resource type</th><th>Event</th><th>Endpoint URL</th><th>Status</th><th>Subscription</th><th>Actions</th></tr></thead>
<tbody>${body}</tbody></table>`;
}

export function formErrors(problems: readonly string[]): string {
  return problems.length === 0
    ? ''
    : `<div class="form-error" role="alert" data-testid="form-error">${problems.map((p) => `<p>${e(p)}</p>`).join('')}</div>`;
}

function checkboxes(name: string, choices: readonly string[], checked: readonly string[]): string {
  return choices
    .map(
      (c) =>
        `<label><input type="checkbox" name="${name}" value="${e(c)}"${checked.includes(c) ? ' checked' : ''} data-testid="${name}-${e(c)}"> ${e(c)}</label>`,
    )
    .join(' ');
}

export interface SubscriptionFormView {
  mode: 'create' | 'edit';
  action: string;
  values: SubscriptionFormValues;
  sources: readonly string[];
  problems: readonly string[];
  csrfToken: string;
}

export function subscriptionForm(view: SubscriptionFormView): string {
  const { values } = view;
  const source =
    view.mode === 'create'
      ? `<label>Source <select name="source" data-testid="create-source">${view.sources.map((s) => option(s, s, values.source === s)).join('')}</select></label>`
      : `<p>Source <strong>${e(values.source)}</strong></p>`;
  const enabled =
    view.mode === 'create'
      ? `<label><input type="checkbox" name="enabled" value="on"${values.enabled ? ' checked' : ''} data-testid="create-enabled"> Enabled</label>`
      : '';
  const testId = `${view.mode}-form`;
  // novalidate: the server checks every field and shows its own message (the same with or without JS).
  return `<form method="post" action="${e(view.action)}" data-testid="${testId}" novalidate>${csrfField(view.csrfToken)}
${formErrors(view.problems)}
${source}
<p><label>Endpoint URL <input type="url" name="url" value="${e(values.url)}" size="60" data-testid="${view.mode}-url"></label></p>
<fieldset><legend>Resource types</legend>${checkboxes('resourceType', RESOURCE_TYPE_CHOICES, values.resourceTypes)}</fieldset>
<fieldset><legend>Topics</legend>${checkboxes('topic', TOPIC_CHOICES, values.topics)}</fieldset>
${enabled}
<p><button type="submit" data-testid="${view.mode}-submit">${view.mode === 'create' ? 'Create' : 'Save'}</button></p>
</form>`;
}

export function confirmDelete(
  row: { source: string; subscriptionId: string; endpointUrl: string | undefined },
  csrfToken: string,
  problems: readonly string[],
): string {
  return `<p>Delete subscription <code>${e(row.subscriptionId)}</code> of source <strong>${e(row.source)}</strong>${row.endpointUrl === undefined ? '' : ` (${e(row.endpointUrl)})`}? Okendo stops sending its deliveries and its signing secrets are removed from the secrets file.</p>
<form method="post" action="${e(subscriptionPath(row.source, row.subscriptionId, 'delete'))}" data-testid="delete-form">${csrfField(csrfToken)}
${formErrors(problems)}
<p><label><input type="checkbox" name="confirm" value="yes" data-testid="delete-confirm"> Yes, delete this subscription</label></p>
<p><button type="submit" class="danger" data-testid="delete-submit">Delete</button> <a href="/">Cancel</a></p>
</form>`;
}

export function sendTestTable(result: SendTestResult): string {
  const rows = sendTestHops(result, '→');
  return `<section data-testid="send-test-result"><h2>Send test: ${e(result.resourceType)} ${e(result.topic)}</h2>
<p>message <code data-testid="send-test-message-id">${e(result.messageId)}</code>, source ${e(result.source)}, signed with ${e(result.secretLabel)}</p>
<table><thead><tr><th>Hop</th><th class="num">ms</th><th>Detail</th></tr></thead><tbody>
${rows.map((r) => `<tr data-testid="send-test-hop"><td>${e(r[0])}</td><td class="num" data-testid="hop-ms">${e(r[1])}</td><td>${e(r[2])}</td></tr>`).join('\n')}
</tbody></table></section>`;
}
