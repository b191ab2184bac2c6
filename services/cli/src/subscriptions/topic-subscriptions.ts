/**
 * The (resourceType, topic) pairs a subscription asks for. Defaults: every resource type and topic Okendo's
 * subscription API documents. Quiz and survey responses may be named too (Okendo delivers them, though its
 * subscription docs do not list them); whether Okendo takes them is reported after the call.
 */
import { SUBSCRIBABLE_RESOURCE_TYPES, SUBSCRIPTION_TOPICS, type TopicSubscription } from '@okendo/okendo-api';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { CliError, EXIT } from '../exit-codes.js';

/** `a,b, c` -> ['a', 'b', 'c'], each once, in the order given. */
export function commaList(text: string): string[] {
  return [...new Set(text.split(',').map((part) => part.trim()))].filter((part) => part !== '');
}

function checked(names: readonly string[], known: readonly string[], option: string): string[] {
  if (names.length === 0) throw new CliError(`${option}: name at least one`, EXIT.usage);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new CliError(
      `${option}: unknown ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${known.join(', ')}`,
      EXIT.usage,
    );
  return [...names];
}

export function resourceTypesOption(text: string | undefined): string[] {
  return text === undefined
    ? [...SUBSCRIBABLE_RESOURCE_TYPES]
    : checked(commaList(text), RESOURCE_TYPES, '--resource-types');
}

export function topicsOption(text: string | undefined): string[] {
  return text === undefined
    ? [...SUBSCRIPTION_TOPICS]
    : checked(commaList(text), SUBSCRIPTION_TOPICS, '--topics');
}

export function topicPairs(resourceTypes: readonly string[], topics: readonly string[]): TopicSubscription[] {
  return resourceTypes.flatMap((resourceType) => topics.map((topic) => ({ resourceType, topic })));
}

const key = (pair: TopicSubscription): string => `${pair.resourceType}/${pair.topic}`;

/** Pairs asked for that the subscription Okendo answered with does not have: what Okendo refused. */
export function missingPairs(
  requested: readonly TopicSubscription[],
  granted: readonly TopicSubscription[],
): string[] {
  const have = new Set(granted.map(key));
  return requested.map(key).filter((pair) => !have.has(pair));
}

/**
 * Short text for a table cell: `all documented (5 types x 3 topics)`, `review,quiz_response x create,update`
 * when every type has the same topics, else `review:create,update; quiz_response:create`.
 */
export function describePairs(pairs: readonly TopicSubscription[]): string {
  const byType = new Map<string, string[]>();
  for (const pair of pairs)
    byType.set(pair.resourceType, [...(byType.get(pair.resourceType) ?? []), pair.topic]);
  const topicSets = [...byType.values()].map((topics) => [...topics].sort().join(','));
  const uniform = topicSets.every((set) => set === topicSets[0]);
  const documented = topicPairs(SUBSCRIBABLE_RESOURCE_TYPES, SUBSCRIPTION_TOPICS);
  if (pairs.length === documented.length && missingPairs(documented, pairs).length === 0)
    return `all documented (${SUBSCRIBABLE_RESOURCE_TYPES.length} types x ${SUBSCRIPTION_TOPICS.length} topics)`;
  if (byType.size === 0) return 'none';
  if (uniform)
    return `${[...byType.keys()].join(',')} x ${[...(byType.values().next().value ?? [])].join(',')}`;
  return [...byType.entries()].map(([type, topics]) => `${type}:${topics.join(',')}`).join('; ');
}
