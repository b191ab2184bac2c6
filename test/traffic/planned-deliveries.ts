/**
 * What a traffic run will send: entity lifecycles across every resource type, built from the fixture shapes
 * with fresh ids and increasing sequence numbers per entity (create, updates, sometimes a delete).
 * Deterministic for a given seed, so a failing run can be replayed.
 */
import {
  FIXTURES,
  RESOURCE_TYPES,
  type ResourceType,
  TRAFFIC_SHAPE_VARIANTS,
  type WebhookFixture,
} from '@okendo/schemas';
import { TABLE_LAYOUTS } from '@okendo/sink';
import { poisonBody } from './poison-delivery.js';

export interface PlannedDelivery {
  messageId: string;
  body: string;
  resourceType: ResourceType;
  table: string;
  idColumn: string;
  entityId: string;
  sequenceNumber: bigint;
  topic: 'create' | 'update' | 'delete';
  /** set on a delivery planted to be refused by ClickHouse: it must end in dead_letters, not in events */
  expect?: 'dead-letter';
}

export interface PlanOptions {
  /** makes ids unique to this run; letters, digits, dashes */
  prefix: string;
  entities: number;
  /** versions per entity, 1 to this (inclusive) */
  maxVersionsPerEntity: number;
  /** share of entities whose last version is a delete */
  deleteRatio: number;
  /** relative weight per resource type; all equal by default */
  mix?: Partial<Record<ResourceType, number>>;
  seed: number;
}

/** A mix of one resource type only (every other weight 0). */
export function onlyOf(resourceType: ResourceType): Record<ResourceType, number> {
  return Object.fromEntries(RESOURCE_TYPES.map((type) => [type, type === resourceType ? 1 : 0])) as Record<
    ResourceType,
    number
  >;
}

/** A small deterministic PRNG (mulberry32): reproducible runs without a dependency. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A fixture's body as another entity's version: its id and sequence number replaced, the rest untouched. */
export function reidentify(fixture: WebhookFixture, entityId: string, sequenceNumber: bigint): string {
  return fixture.body
    .replaceAll(fixture.entityId, entityId)
    .replace(`"sequenceNumber":"${fixture.sequenceNumber}"`, `"sequenceNumber":"${sequenceNumber}"`);
}

function template(resourceType: ResourceType, topic: PlannedDelivery['topic']) {
  const fixture = FIXTURES.find((f) => f.resourceType === resourceType && f.topic === topic);
  if (fixture === undefined) throw new Error(`no ${resourceType}.${topic} fixture`);
  return fixture;
}

/**
 * The lifecycle fixture of this type and topic or, as often, one of the shape variants (every survey answer
 * shape, guessed loyalty names, signed transaction amounts), so traffic exercises them all.
 */
function mixedTemplate(resourceType: ResourceType, topic: PlannedDelivery['topic'], next: () => number) {
  const variants = TRAFFIC_SHAPE_VARIANTS.filter((f) => f.resourceType === resourceType && f.topic === topic);
  if (variants.length === 0) return template(resourceType, topic);
  const pick = Math.floor(next() * (variants.length + 1));
  return variants[pick - 1] ?? template(resourceType, topic);
}

export function planDeliveries(options: PlanOptions): PlannedDelivery[] {
  const next = random(options.seed);
  const weights = RESOURCE_TYPES.map((type) => options.mix?.[type] ?? 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const pickType = (): ResourceType => {
    let r = next() * totalWeight;
    for (const [i, type] of RESOURCE_TYPES.entries()) {
      r -= weights[i] ?? 0;
      if (r <= 0) return type;
    }
    return RESOURCE_TYPES[0];
  };
  const deliveries: PlannedDelivery[] = [];
  for (let e = 0; e < options.entities; e++) {
    const resourceType = pickType();
    const layout = TABLE_LAYOUTS[resourceType];
    const entityId = `${options.prefix}-${resourceType.slice(0, 4)}-${e}`;
    const versions = 1 + Math.floor(next() * options.maxVersionsPerEntity);
    const deleted = next() < options.deleteRatio;
    let sequenceNumber = 1_000_000_000n + BigInt(Math.floor(next() * 1_000_000));
    for (let v = 0; v < versions; v++) {
      const topic: PlannedDelivery['topic'] =
        v === 0 ? 'create' : deleted && v === versions - 1 ? 'delete' : 'update';
      const fixture = mixedTemplate(resourceType, topic, next);
      sequenceNumber += 1n + BigInt(Math.floor(next() * 1_000));
      const body = reidentify(fixture, entityId, sequenceNumber);
      deliveries.push({
        messageId: `msg_${entityId}_${v}`,
        body,
        resourceType,
        table: layout.table,
        idColumn: layout.idColumn,
        entityId,
        sequenceNumber,
        topic,
      });
    }
  }
  return deliveries;
}

/**
 * One delivery ClickHouse permanently refuses (test/traffic/poison-delivery.ts): a review of its own, so
 * nothing else depends on it; it must end in dead_letters, never stall the deliveries around it.
 */
export function plantedPoison(prefix: string): PlannedDelivery {
  const entityId = `${prefix}-poison-0`;
  const sequenceNumber = 1_000_000_000n;
  const layout = TABLE_LAYOUTS.review;
  return {
    messageId: `msg_${entityId}_0`,
    body: poisonBody(reidentify(template('review', 'create'), entityId, sequenceNumber), 'review'),
    resourceType: 'review',
    table: layout.table,
    idColumn: layout.idColumn,
    entityId,
    sequenceNumber,
    topic: 'create',
    expect: 'dead-letter',
  };
}
