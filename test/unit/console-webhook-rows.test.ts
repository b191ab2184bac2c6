/** The webhooks table's rows, search and filters, and the create form's checks (no server). */
import { describe, expect, it } from 'vitest';
import { parseForm } from '../../services/console/src/form-body.js';
import { checkCreateForm } from '../../services/console/src/webhooks/subscription-form.js';
import { filterRows, readFilter, rowsOf } from '../../services/console/src/webhooks/subscription-rows.js';

const subscription = (
  id: string,
  endpointUrl: string,
  isEnabled: boolean,
  pairs: Array<[string, string]>,
) => ({
  subscriberId: 'u',
  webhookSubscriptionId: id,
  endpointUrl,
  version: '2025-02-01',
  subscriptions: pairs.map(([resourceType, topic]) => ({ resourceType, topic })),
  isEnabled,
  dateCreated: '2026-12-01T00:00:00Z',
  dateModified: '2026-12-01T00:00:00Z',
});

const rows = [
  ...rowsOf('default', [
    subscription('s1', 'https://a.example/webhooks/okendo', true, [
      ['review', 'create'],
      ['review', 'update'],
    ]),
    subscription('s2', 'https://b.example/hooks', false, [['loyalty_customer', 'delete']]),
  ]),
  ...rowsOf('shop-a', [
    subscription('s3', 'https://c.example/webhooks/okendo/shop-a', true, [['review', 'delete']]),
  ]),
];
const ids = (list: typeof rows) => list.map((r) => `${r.subscriptionId}:${r.topic}`);

describe('webhook rows', () => {
  it('has one row per resource type and topic pair', () => {
    expect(ids(rows)).toEqual(['s1:create', 's1:update', 's2:delete', 's3:delete']);
  });

  it('searches resource type, event and URL, case-insensitive', () => {
    const search = (q: string) => ids(filterRows(rows, { q, source: undefined, status: 'all' }));
    expect(search('LOYALTY')).toEqual(['s2:delete']);
    expect(search('update')).toEqual(['s1:update']);
    expect(search('review.delete')).toEqual(['s3:delete']);
    expect(search('b.example')).toEqual(['s2:delete']);
    expect(search('')).toHaveLength(4);
  });

  it('filters by source and status', () => {
    expect(ids(filterRows(rows, { q: '', source: 'shop-a', status: 'all' }))).toEqual(['s3:delete']);
    expect(ids(filterRows(rows, { q: '', source: undefined, status: 'inactive' }))).toEqual(['s2:delete']);
    expect(ids(filterRows(rows, { q: 'review', source: 'default', status: 'active' }))).toEqual([
      's1:create',
      's1:update',
    ]);
  });

  it('reads the query string, an unknown source or status being a message', () => {
    expect(readFilter({ q: ' rev ', source: 'all', status: 'active' }, ['default'])).toEqual({
      filter: { q: 'rev', source: undefined, status: 'active' },
    });
    expect(readFilter({ source: 'nope', status: 'weird' }, ['default']).problem).toBe(
      'unknown source "nope"; this console manages default; status: expected all, active or inactive',
    );
  });
});

describe('create form', () => {
  const check = (text: string) => checkCreateForm(parseForm(text), ['default', 'shop-a']);

  it('accepts a URL, checked resource types and topics (checkboxes repeat)', () => {
    expect(
      check(
        'source=shop-a&url=https%3A%2F%2Fx.example%2Fh&resourceType=review&topic=create&topic=update&enabled=on',
      ),
    ).toEqual({
      ok: true,
      values: {
        source: 'shop-a',
        url: 'https://x.example/h',
        resourceTypes: ['review'],
        topics: ['create', 'update'],
        enabled: true,
      },
    });
  });

  it('names each bad field: a non-URL endpoint, nothing checked, an unknown source', () => {
    const result = check('source=elsewhere&url=not-a-url');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      'Source: unknown "elsewhere"; this console manages default, shop-a',
      expect.stringMatching(/^Endpoint URL: expected an absolute http\(s\) URL.*got "not-a-url"$/),
      'Resource types: choose at least one',
      'Topics: choose at least one',
    ]);
    expect(check('source=default&url=ftp%3A%2F%2Fx&resourceType=nope&topic=create').ok).toBe(false);
  });
});
