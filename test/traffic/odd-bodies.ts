/**
 * Webhook bodies whose non-identity fields hold arbitrary JSON, for the mapping property tests: a valid
 * fixture of the resource type, re-identified, with some of its fields replaced by any JSON value (wrong
 * types, nulls, nested objects and arrays, huge strings, unicode), unknown fields added, and sometimes the
 * whole `resource` replaced. Each body says which paths were planted and which plants are certainly odd
 * (a shape no reader of that field accepts), so a test can check that the odd ones, and only planted ones,
 * are named in mapping_issues.
 *
 * Strings are well-formed Unicode (fast-check's 'binary' unit: any code point, never half a surrogate pair).
 * Lone surrogates are left out on purpose: ClickHouse refuses them in any String column, so no mapping can
 * store them; they remain the poison path (test/traffic/poison-delivery.ts, dead-lettered by bisection).
 */
import {
  ENTITY_ID_FIELD,
  envelopeCodec,
  FIXTURES,
  type ResourceType,
  type WebhookEnvelope,
} from '@okendo/schemas';
import type { ConsumedMessage } from '@okendo/sink';
import fc from 'fast-check';

/** How the mapping reads a field: a scalar (str, num, int, bool, timestamp), a nested object, an array. */
type Kind = 'scalar' | 'object' | 'array';

/**
 * Fields whose reader is settled, by resource type. Only these are asserted as odd; any other key may also
 * be planted (unknown keys), which must never produce an issue or a dead letter.
 */
const FIELDS: Readonly<Record<ResourceType, Readonly<Record<string, Kind>>>> = {
  review: {
    subscriberId: 'scalar',
    productId: 'scalar',
    productName: 'scalar',
    rating: 'scalar',
    title: 'scalar',
    body: 'scalar',
    status: 'scalar',
    containsProfanity: 'scalar',
    isRecommended: 'scalar',
    helpfulCount: 'scalar',
    dateCreated: 'scalar',
    order: 'object',
    reviewer: 'object',
    reply: 'object',
    tags: 'array',
    media: 'array',
    attributesWithRating: 'array',
    productAttributes: 'array',
  },
  loyalty_customer: {
    subscriberId: 'scalar',
    status: 'scalar',
    dateEnrolled: 'scalar',
    customer: 'object',
    birthday: 'object',
  },
  loyalty_adjustment_transaction: {
    subscriberId: 'scalar',
    amount: 'scalar',
    date: 'scalar',
    status: 'scalar',
    notificationText: 'scalar',
    customer: 'object',
  },
  loyalty_earning_transaction: {
    subscriberId: 'scalar',
    amount: 'scalar',
    date: 'scalar',
    status: 'scalar',
    customer: 'object',
  },
  loyalty_redemption_transaction: {
    subscriberId: 'scalar',
    amount: 'scalar',
    date: 'scalar',
    status: 'scalar',
    customer: 'object',
  },
  quiz_response: {
    subscriberId: 'scalar',
    quizId: 'scalar',
    quizName: 'scalar',
    dateCreated: 'scalar',
    marketingOptIn: 'scalar',
    customer: 'object',
    order: 'object',
    answeredQuestions: 'array',
    productRecommendations: 'array',
  },
  survey_response: {
    subscriberId: 'scalar',
    surveyId: 'scalar',
    surveyName: 'scalar',
    dateCreated: 'scalar',
    channel: 'scalar',
    customer: 'object',
    order: 'object',
    answeredQuestions: 'array',
  },
};

/** Scalar fields of the first item of an array, planted when the array itself is kept. */
const ITEM_FIELDS: Readonly<Partial<Record<ResourceType, ReadonlyArray<[string, string]>>>> = {
  review: [['media', 'type']],
  quiz_response: [['answeredQuestions', 'text']],
  survey_response: [['answeredQuestions', 'text']],
};

/** Scalar fields of a nested object, planted when the object itself is kept. */
const NESTED_FIELDS: Readonly<Partial<Record<ResourceType, ReadonlyArray<[string, string]>>>> = {
  review: [
    ['reviewer', 'name'],
    ['reply', 'dateCreated'],
  ],
  loyalty_customer: [['birthday', 'day']],
};

/** Whether no reader of a field of this kind can take the value (null is always fine: absent). */
function certainlyOdd(kind: Kind, value: unknown): boolean {
  if (value === null) return false;
  if (kind === 'scalar') return typeof value === 'object';
  if (kind === 'object') return typeof value !== 'object' || Array.isArray(value);
  return !Array.isArray(value);
}

export interface OddBodyOptions {
  /** allow strings of up to ~100,000 code points (planBatch level; the real stack keeps bodies small) */
  huge: boolean;
  /** allow replacing the whole `resource` with any value (not for the real stack: the ingest needs its id) */
  replaceResource: boolean;
}

export interface OddBodySpec {
  topic: 'create' | 'update';
  sequenceNumber: bigint;
  plants: Array<[string, unknown]>;
  itemPlants: unknown[];
  nestedPlants: unknown[];
  extras: Array<[string, unknown]>;
  resource: { value: unknown } | undefined;
}

export interface Plant {
  /** the planted path, as issues name it: body.resource.rating, body.resource.media[0].type */
  path: string;
  /** no reader of the field accepts this shape: an issue at the path is certain */
  odd: boolean;
}

export interface OddBody {
  resourceType: ResourceType;
  entityId: string;
  topic: 'create' | 'update';
  sequenceNumber: bigint;
  /** the whole webhook body, JSON */
  body: string;
  plants: Plant[];
}

function anyJson(huge: boolean): fc.Arbitrary<unknown> {
  const json = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
  const tricky = fc.constantFrom(
    null,
    '',
    ' ',
    'true',
    'false',
    '12',
    '-3.5',
    '1e400',
    '0x10',
    2 ** 40,
    4.5,
    -1,
    0,
  );
  const dates = fc.constantFrom('2026-01-01T00:00:00Z', '1960-01-01T00:00:00Z', '2200-01-01T00:00:00Z', '1');
  const arbitraries: Array<fc.WeightedArbitrary<unknown>> = [
    { weight: 6, arbitrary: json },
    { weight: 2, arbitrary: tricky },
    { weight: 1, arbitrary: dates },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  ];
  if (huge) {
    const big = fc
      .tuple(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1_000, max: 100_000 }),
      )
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));
    arbitraries.push({ weight: 1, arbitrary: big });
  }
  return fc.oneof(...arbitraries);
}

/** The planted variations of a body of `resourceType`; build one with oddBody. */
export function oddBodySpec(resourceType: ResourceType, options: OddBodyOptions): fc.Arbitrary<OddBodySpec> {
  const value = anyJson(options.huge);
  const fields = Object.keys(FIELDS[resourceType]);
  const idField = ENTITY_ID_FIELD[resourceType];
  const unknownKey = fc
    .string({ unit: 'binary', maxLength: 12 })
    .map((key) => `x-unknown ${key}`)
    .filter((key) => key !== idField);
  return fc.record({
    topic: fc.constantFrom('create' as const, 'update' as const),
    sequenceNumber: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
    plants: fc.array(fc.tuple(fc.constantFrom(...fields), value), { maxLength: 6 }),
    itemPlants: fc.array(value, {
      minLength: ITEM_FIELDS[resourceType]?.length ?? 0,
      maxLength: ITEM_FIELDS[resourceType]?.length ?? 0,
    }),
    nestedPlants: fc.array(value, {
      minLength: NESTED_FIELDS[resourceType]?.length ?? 0,
      maxLength: NESTED_FIELDS[resourceType]?.length ?? 0,
    }),
    extras: fc.array(fc.tuple(unknownKey, value), { maxLength: 3 }),
    resource: options.replaceResource
      ? fc.option(
          value.map((v) => ({ value: v })),
          { nil: undefined, freq: 10 },
        )
      : fc.constant(undefined),
  });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body of `spec` for entity `entityId`, from the type's create fixture. */
export function oddBody(resourceType: ResourceType, entityId: string, spec: OddBodySpec): OddBody {
  const fixture = FIXTURES.find((f) => f.resourceType === resourceType && f.topic === 'create');
  if (fixture === undefined) throw new Error(`no ${resourceType}.create fixture`);
  const webhook = JSON.parse(fixture.body) as Record<string, unknown>;
  const resource = webhook['resource'] as Record<string, unknown>;
  resource[ENTITY_ID_FIELD[resourceType]] = entityId;
  webhook['topic'] = spec.topic;
  webhook['sequenceNumber'] = spec.sequenceNumber.toString();
  const planted = new Map<string, Plant>();
  const replaced = new Set(spec.plants.map(([field]) => field));
  // Item and nested plants first, and only into what the top-level plants keep: their paths stay meaningful.
  (ITEM_FIELDS[resourceType] ?? []).forEach(([array, field], i) => {
    const first = (resource[array] as unknown[] | undefined)?.[0];
    if (replaced.has(array) || !isObject(first)) return;
    first[field] = spec.itemPlants[i];
    planted.set(`${array}[0].${field}`, {
      path: `body.resource.${array}[0].${field}`,
      odd: certainlyOdd('scalar', spec.itemPlants[i]),
    });
  });
  (NESTED_FIELDS[resourceType] ?? []).forEach(([object, field], i) => {
    const nested = resource[object];
    if (replaced.has(object) || !isObject(nested)) return;
    nested[field] = spec.nestedPlants[i];
    planted.set(`${object}.${field}`, {
      path: `body.resource.${object}.${field}`,
      odd: certainlyOdd('scalar', spec.nestedPlants[i]),
    });
  });
  for (const [field, value] of spec.plants) {
    resource[field] = value;
    const kind = FIELDS[resourceType][field] ?? 'scalar';
    planted.set(field, { path: `body.resource.${field}`, odd: certainlyOdd(kind, value) });
  }
  for (const [key, value] of spec.extras) resource[key] = value;
  let plants = [...planted.values()];
  if (spec.resource !== undefined) {
    webhook['resource'] = spec.resource.value;
    plants = [{ path: 'body.resource', odd: !isObject(spec.resource.value) && spec.resource.value !== null }];
  }
  return {
    resourceType,
    entityId,
    topic: spec.topic,
    sequenceNumber: spec.sequenceNumber,
    body: JSON.stringify(webhook),
    plants,
  };
}

/** The envelope the ingest would have published for `body`. */
export function oddEnvelope(body: OddBody, messageId: string): WebhookEnvelope {
  return {
    messageId,
    senderTimestamp: 1_790_000_000n,
    receivedAtMs: 1_790_000_000_000n,
    source: 'default',
    resourceType: body.resourceType,
    topic: body.topic,
    sequenceNumber: body.sequenceNumber,
    version: '2025-02-01',
    subscriberId: null,
    entityId: body.entityId,
    rawBody: Buffer.from(body.body),
  };
}

/** A consumed message of an envelope, as the sink's consumer hands it to planBatch. */
export function consumedEnvelope(envelope: WebhookEnvelope, offset: number): ConsumedMessage {
  const value = envelopeCodec.encode(envelope);
  return {
    topic: `okendo.${envelope.resourceType}`,
    topicKey: envelope.resourceType as ResourceType,
    partition: 0,
    offset: String(offset),
    key: Buffer.from(envelope.entityId),
    value,
    sizeBytes: value.length,
  };
}

/** The path of an issue text (`<path>: <what arrived>`). */
export const issuePath = (issue: string): string => issue.slice(0, Math.max(0, issue.indexOf(': ')));

/** Whether `path` is `plant` or inside it. */
export const within = (path: string, plant: string): boolean =>
  path === plant || path.startsWith(`${plant}.`) || path.startsWith(`${plant}[`);

/**
 * What is wrong with the issues of a mapped body: a certainly odd plant with no issue at or inside its
 * path, or an issue outside every plant. Empty when the issues are right.
 */
export function issueMismatches(body: OddBody, issues: readonly string[]): string[] {
  // mapResource lists at most 100 issues per row; the last then only counts the rest.
  const paths = issues.filter((issue) => !/^body: \d+ more issues not listed$/.test(issue)).map(issuePath);
  const wrong: string[] = [];
  for (const plant of body.plants) {
    if (plant.odd && !paths.some((path) => within(path, plant.path)))
      wrong.push(`no issue for ${plant.path}`);
  }
  for (const path of paths) {
    if (!body.plants.some((plant) => within(path, plant.path))) wrong.push(`unplanted issue at ${path}`);
  }
  return wrong;
}
