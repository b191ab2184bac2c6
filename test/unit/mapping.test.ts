import { FIXTURES, RESOURCE_RECORD_TYPES, RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';
import { MappingError, mapResource } from '@okendo/sink';
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
    const record = mapResource(type, JSON.parse(f.body));
    expect(RESOURCE_RECORD_TYPES[type].isValid(record)).toBe(true);
  });

  it('reads the review fields, nested objects and child arrays', () => {
    const wire = body('review.update');
    const record = mapResource('review', wire) as unknown as Record<string, unknown>;
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
    const record = mapResource('review', wire) as unknown as Record<string, unknown>;
    expect(record).toMatchObject({
      reviewId: 'r-min',
      rating: null,
      title: null,
      orderId: null,
      tags: [],
      media: [],
    });
  });

  it('a numeric string where a number is expected is read; a number where a string is expected too', () => {
    const wire = body('review.create');
    wire.resource.rating = '4';
    wire.resource.title = 12;
    expect(mapResource('review', wire)).toMatchObject({ rating: 4, title: '12' });
  });

  it('a time outside what DateTime holds reads as null, not a dead letter', () => {
    const wire = body('review.create');
    wire.resource.dateCreated = '1960-01-01T00:00:00Z';
    expect(mapResource('review', wire)).toMatchObject({ dateCreated: null });
    wire.resource.dateCreated = '2200-01-01T00:00:00Z';
    expect(mapResource('review', wire)).toMatchObject({ dateCreated: null });
  });

  it.each([
    ['rating', { stars: 5 }, 'body.resource.rating', /must be a number, got an object/],
    ['rating', 3_000_000_000, 'body.resource.rating', /must be a 32-bit integer/],
    ['rating', 4.5, 'body.resource.rating', /must be a 32-bit integer/],
    ['reviewId', '', 'body.resource.reviewId', /must be a non-empty id/],
    ['isRecommended', 'yes', 'body.resource.isRecommended', /must be true or false/],
    ['dateCreated', 'last tuesday', 'body.resource.dateCreated', /must be an ISO-8601 date-time/],
    ['tags', 'a,b', 'body.resource.tags', /must be an array/],
  ])('%s = %j is a MappingError at its path', (field, value, path, message) => {
    const wire = body('review.create');
    wire.resource[field] = value;
    let caught: unknown;
    try {
      mapResource('review', wire);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MappingError);
    expect((caught as MappingError).path).toBe(path);
    expect((caught as MappingError).message).toMatch(message);
  });

  it('the path of a bad array item names its index', () => {
    const wire = body('review.create');
    wire.resource.tags = ['ok', { no: 1 }];
    expect(() => mapResource('review', wire)).toThrow(
      expect.objectContaining({ path: 'body.resource.tags[1]' }),
    );
  });

  it('a body that is not an object is a MappingError at body', () => {
    expect(() => mapResource('review', ['x'])).toThrow(expect.objectContaining({ path: 'body' }));
    expect(() => mapResource('review', { resource: 'text' })).toThrow(
      expect.objectContaining({ path: 'body.resource' }),
    );
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
    const record = mapResource('survey_response', wire) as unknown as {
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
