/**
 * The create and edit forms: what was submitted, checked before anything reaches Okendo, with a message per
 * bad field (the page shows the form again with them and what was typed).
 */
import { SUBSCRIBABLE_RESOURCE_TYPES, SUBSCRIPTION_TOPICS } from '@okendo/okendo-api';
import { type FormBody, field, fields } from '../form-body.js';

export interface SubscriptionFormValues {
  source: string;
  url: string;
  resourceTypes: string[];
  topics: string[];
  enabled: boolean;
}

export type FormCheck =
  | { ok: true; values: SubscriptionFormValues }
  | { ok: false; values: SubscriptionFormValues; problems: string[] };

export const RESOURCE_TYPE_CHOICES: readonly string[] = SUBSCRIBABLE_RESOURCE_TYPES;
export const TOPIC_CHOICES: readonly string[] = SUBSCRIPTION_TOPICS;

export function endpointUrlProblem(text: string): string | undefined {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  return url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')
    ? `Endpoint URL: expected an absolute http(s) URL, e.g. https://ingest.example.com/webhooks/okendo; got ${JSON.stringify(text.slice(0, 200))}`
    : undefined;
}

function choiceProblem(
  label: string,
  chosen: readonly string[],
  known: readonly string[],
): string | undefined {
  if (chosen.length === 0) return `${label}: choose at least one`;
  const unknown = chosen.filter((c) => !known.includes(c));
  return unknown.length > 0
    ? `${label}: unknown ${unknown.map((u) => JSON.stringify(u.slice(0, 60))).join(', ')}; known: ${known.join(', ')}`
    : undefined;
}

export function sourceProblem(source: string, sources: readonly string[]): string | undefined {
  return sources.includes(source)
    ? undefined
    : `Source: unknown ${JSON.stringify(source.slice(0, 60))}; this console manages ${sources.join(', ')}`;
}

/** The create form (source, url, resourceType[], topic[], enabled). */
export function checkCreateForm(form: FormBody, sources: readonly string[]): FormCheck {
  const values: SubscriptionFormValues = {
    source: field(form, 'source') ?? '',
    url: field(form, 'url') ?? '',
    resourceTypes: [...new Set(fields(form, 'resourceType'))],
    topics: [...new Set(fields(form, 'topic'))],
    enabled: field(form, 'enabled') !== undefined,
  };
  const problems = [
    sourceProblem(values.source, sources),
    endpointUrlProblem(values.url),
    choiceProblem('Resource types', values.resourceTypes, RESOURCE_TYPE_CHOICES),
    choiceProblem('Topics', values.topics, TOPIC_CHOICES),
  ].filter((p): p is string => p !== undefined);
  return problems.length === 0 ? { ok: true, values } : { ok: false, values, problems };
}
