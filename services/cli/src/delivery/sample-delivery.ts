/**
 * The body `send-test` posts: the contract's fixture of that resource type and topic, with a fresh entity id
 * (so it never collides with real data) and the operator's `--set path=value` edits, serialised once.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '@commander-js/extra-typings';
import {
  ENTITY_ID_FIELD,
  FIXTURES,
  isResourceType,
  RESOURCE_TYPES,
  type ResourceType,
} from '@okendo/schemas';
import { CliError, EXIT } from '../exit-codes.js';

export const SAMPLE_TOPICS = ['create', 'update', 'delete'] as const;
export type SampleTopic = (typeof SAMPLE_TOPICS)[number];

export interface SampleDelivery {
  resourceType: ResourceType;
  topic: SampleTopic;
  entityId: string;
  /** the exact text that is signed and sent */
  body: string;
}

export interface SetEdit {
  path: string[];
  value: unknown;
}

/** `a.b.0.c=value`: the value is read as JSON when it parses (numbers, true, null, "text"), else as text. */
export function parseSetEdit(text: string): SetEdit {
  const at = text.indexOf('=');
  const path = at < 0 ? '' : text.slice(0, at);
  const segments = path.split('.');
  if (
    at < 0 ||
    segments.some((s) => s === '' || s === '__proto__' || s === 'constructor' || s === 'prototype')
  )
    throw new InvalidArgumentError('expected path=value with a dotted path, e.g. resource.rating=2');
  const raw = text.slice(at + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: the text itself, so `--set resource.title=Great` needs no quoting.
  }
  return { path: segments, value };
}

/** Sets `value` at `path` in `target`, creating objects on the way; an array index must be in range. */
export function applySetEdit(target: Record<string, unknown>, edit: SetEdit): void {
  let node: unknown = target;
  edit.path.forEach((segment, i) => {
    const last = i === edit.path.length - 1;
    const where = edit.path.slice(0, i + 1).join('.');
    if (Array.isArray(node)) {
      const index = Number(segment);
      if (!Number.isInteger(index) || index < 0 || index > node.length)
        throw new CliError(`--set ${edit.path.join('.')}: ${where} is not an index of the array`, EXIT.usage);
      if (last) node[index] = edit.value;
      else node = node[index] ??= {};
      return;
    }
    if (typeof node !== 'object' || node === null)
      throw new CliError(
        `--set ${edit.path.join('.')}: ${where} is inside a value that is not an object`,
        EXIT.usage,
      );
    const object = node as Record<string, unknown>;
    if (last) object[segment] = edit.value;
    else {
      object[segment] ??= {};
      node = object[segment];
    }
  });
}

export function buildSampleDelivery(
  resourceType: string,
  topic: string,
  edits: readonly SetEdit[],
  newId: () => string = randomUUID,
): SampleDelivery {
  if (!isResourceType(resourceType))
    throw new CliError(
      `unknown resource type ${JSON.stringify(resourceType)}; one of ${RESOURCE_TYPES.join(', ')}`,
      EXIT.usage,
    );
  if (!(SAMPLE_TOPICS as readonly string[]).includes(topic))
    throw new CliError(`--topic must be one of ${SAMPLE_TOPICS.join(', ')}`, EXIT.usage);
  const fixture = FIXTURES.find((f) => f.resourceType === resourceType && f.topic === topic);
  if (fixture === undefined) throw new CliError(`no sample ${resourceType} ${topic} body`, EXIT.usage);
  const body = JSON.parse(fixture.body) as Record<string, unknown>;
  const resource = body['resource'] as Record<string, unknown>;
  const entityId = newId();
  resource[ENTITY_ID_FIELD[resourceType]] = entityId;
  for (const edit of edits) applySetEdit(body, edit);
  const finalResource = body['resource'];
  const finalId =
    typeof finalResource === 'object' && finalResource !== null
      ? (finalResource as Record<string, unknown>)[ENTITY_ID_FIELD[resourceType]]
      : undefined;
  return {
    resourceType,
    topic: topic as SampleTopic,
    entityId: typeof finalId === 'string' || typeof finalId === 'number' ? String(finalId) : entityId,
    body: JSON.stringify(body),
  };
}
