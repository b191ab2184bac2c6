import { FIXTURES, RESOURCE_RECORD_TYPES, RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';
import { mapResource } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

const body = (name: string) => {
  const found = FIXTURES.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(found.body);
};

describe('mapResource', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s maps to a valid record of its type', (_, f) => {
    const type = f.resourceType as ResourceType;
    expect(RESOURCE_TYPES).toContain(type);
    const record = mapResource(type, JSON.parse(f.body), f.entityId);
    expect(record.mappingIssues).toEqual([]);
    expect(RESOURCE_RECORD_TYPES[type].isValid(record)).toBe(true);
  });

  it('reads the review fields, nested objects and child arrays', () => {
    const wire = body('review.update');
    const record = mapResource('review', wire, wire.resource.reviewId) as unknown as Record<string, unknown>;
    expect(record).toMatchObject({
      reviewId: wire.resource.reviewId,
      rating: wire.resource.rating,
      title: wire.resource.title,
      reviewerCountryCode: wire.resource.reviewer.location.country.code,
      orderId: wire.resource.order.orderId,
      dateCreated: BigInt(Date.parse(wire.resource.dateCreated)),
    });
    expect(record['tags']).toEqual(wire.resource.tags ?? []);
  });

  it('absent or null fields read as null, absent arrays as empty', () => {
    const wire = body('review.create');
    wire.resource = { reviewId: 'r-min' };
    const record = mapResource('review', wire, 'r-min') as unknown as Record<string, unknown>;
    expect(record).toMatchObject({
      reviewId: 'r-min',
      rating: null,
      title: null,
      orderId: null,
      tags: [],
      media: [],
      mappingIssues: [],
    });
  });

  it('lossless conversions are made without an issue', () => {
    const wire = body('review.create');
    wire.resource.rating = ' 4 ';
    wire.resource.helpfulCount = '1e3';
    wire.resource.title = 12;
    wire.resource.isRecommended = 'false';
    wire.resource.containsProfanity = 'true';
    wire.resource.tags = ['a', 2, true];
    expect(mapResource('review', wire, wire.resource.reviewId)).toMatchObject({
      rating: 4,
      helpfulCount: 1000,
      title: '12',
      isRecommended: false,
      containsProfanity: true,
      tags: ['a', '2', 'true'],
      mappingIssues: [],
    });
  });

  it.each([
    ['rating', { stars: 5 }, 'rating', 'body.resource.rating: object {"stars":5}'],
    ['rating', 3_000_000_000, 'rating', 'body.resource.rating: not a 32-bit integer: number 3000000000'],
    ['rating', 4.5, 'rating', 'body.resource.rating: not a 32-bit integer: number 4.5'],
    ['rating', '4 stars', 'rating', 'body.resource.rating: string "4 stars"'],
    ['rating', '0x10', 'rating', 'body.resource.rating: string "0x10"'],
    ['isRecommended', 'yes', 'isRecommended', 'body.resource.isRecommended: string "yes"'],
    ['isRecommended', 1, 'isRecommended', 'body.resource.isRecommended: number 1'],
    ['title', true, 'title', 'body.resource.title: boolean true'],
    ['title', ['a'], 'title', 'body.resource.title: array ["a"]'],
    [
      'dateCreated',
      'last tuesday',
      'dateCreated',
      'body.resource.dateCreated: not a date-time: string "last tuesday"',
    ],
    [
      'dateCreated',
      '1960-01-01T00:00:00Z',
      'dateCreated',
      'body.resource.dateCreated: out of DateTime range: string "1960-01-01T00:00:00Z"',
    ],
    ['dateCreated', 1_700_000_000, 'dateCreated', 'body.resource.dateCreated: number 1700000000'],
  ])('%s = %j is null and recorded in mappingIssues', (field, value, column, issue) => {
    const wire = body('review.create');
    wire.resource[field] = value;
    const record = mapResource('review', wire, wire.resource.reviewId) as unknown as Record<string, unknown>;
    expect(record[column]).toBeNull();
    expect(record['mappingIssues']).toEqual([issue]);
    expect(RESOURCE_RECORD_TYPES.review.isValid(record)).toBe(true);
  });

  it('an array, object or id of another shape reads as empty, with an issue at its path', () => {
    const wire = body('review.create');
    const entityId = wire.resource.reviewId;
    wire.resource.tags = 'a,b';
    wire.resource.media = { url: 'x' };
    wire.resource.order = 'o-1';
    wire.resource.reviewId = '';
    const record = mapResource('review', wire, entityId) as unknown as Record<string, unknown>;
    expect(record).toMatchObject({
      reviewId: entityId,
      tags: [],
      media: [],
      orderId: null,
      orderNumber: null,
    });
    // In the order the mapper reads them, which is not part of the contract.
    expect([...(record['mappingIssues'] as string[])].sort()).toEqual([
      'body.resource.media: object {"url":"x"}',
      'body.resource.order: string "o-1"',
      'body.resource.reviewId: no id: string ""',
      'body.resource.tags: string "a,b"',
    ]);
  });

  it('a bad array item is left out, and its issue names its index', () => {
    const wire = body('review.create');
    wire.resource.tags = ['ok', { no: 1 }, 7, null];
    wire.resource.media = [null, { streamId: 's1' }];
    const record = mapResource('review', wire, wire.resource.reviewId) as unknown as Record<string, unknown>;
    expect(record['tags']).toEqual(['ok', '7']);
    expect((record['media'] as Array<{ streamId: string }>).map((m) => m.streamId)).toEqual(['s1']);
    expect(record['mappingIssues']).toEqual([
      'body.resource.tags[1]: object {"no":1}',
      'body.resource.tags[3]: null',
      'body.resource.media[0]: null',
    ]);
  });

  it('a row lists at most 100 issues, the last saying how many more', () => {
    const wire = body('review.create');
    wire.resource.tags = Array.from({ length: 150 }, () => null);
    const issues = mapResource('review', wire, wire.resource.reviewId).mappingIssues;
    expect(issues).toHaveLength(100);
    expect(issues[98]).toBe('body.resource.tags[98]: null');
    expect(issues[99]).toBe('body: 51 more issues not listed');
  });

  it('what arrived is cut to 40 characters, never inside a surrogate pair', () => {
    const wire = body('review.create');
    wire.resource.rating = `${'x'.repeat(39)}😀${'y'.repeat(100_000)}`;
    const [issue] = mapResource('review', wire, wire.resource.reviewId).mappingIssues;
    expect(issue).toBe(`body.resource.rating: string "${'x'.repeat(39)}😀…" (100041 chars)`);
  });

  it('a body or resource that is not an object reads as empty, with an issue; the id is the entity id', () => {
    expect(mapResource('review', ['x'], 'r-1')).toMatchObject({
      reviewId: 'r-1',
      rating: null,
      mappingIssues: ['body: array ["x"]', 'body.resource.reviewId: no id: nothing'],
    });
    expect(mapResource('review', { resource: 'text' }, 'r-2')).toMatchObject({
      reviewId: 'r-2',
      mappingIssues: ['body.resource: string "text"', 'body.resource.reviewId: no id: nothing'],
    });
  });

  it('the id field is the envelope entity id, whatever the body says', () => {
    const wire = body('loyalty_customer.create');
    wire.resource.loyaltyCustomerId = 12345;
    expect(mapResource('loyalty_customer', wire, '12345')).toMatchObject({
      loyaltyCustomerId: '12345',
      mappingIssues: [],
    });
  });

  it('survey answers in every wire shape become lists of strings', () => {
    const wire = body('survey_response.create');
    wire.resource.answeredQuestions = [
      { id: 'q1', answer: 'Instagram' },
      { id: 'q2', answer: ['a', 'b'] },
      { id: 'q3', answer: { type: 'text', value: 'free text' } },
      { id: 'q4', answer: 9 },
      { text: 'no id', answer: true },
    ];
    const record = mapResource('survey_response', wire, wire.resource.surveyResponseId) as unknown as {
      answeredQuestions: Array<{ questionId: string; answer: string | null; answers: string[] }>;
    };
    expect(record.answeredQuestions.map((q) => [q.questionId, q.answer, q.answers])).toEqual([
      ['q1', 'Instagram', ['Instagram']],
      ['q2', 'a, b', ['a', 'b']],
      ['q3', 'free text', ['free text']],
      ['q4', '9', ['9']],
      ['#4', 'true', ['true']],
    ]);
  });
});
