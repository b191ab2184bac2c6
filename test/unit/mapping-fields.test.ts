/**
 * The fields issue 10 confirmed or re-read: survey and quiz answers of every shape, the review fields of the
 * REST API reference, the loyalty member's REST names, points_delta's sign convention, the quiz order id.
 */
import {
  ANSWER_SHAPE_QUESTIONS,
  EDGE_CASE_FIXTURES,
  FIXTURES,
  RESOURCE_RECORD_TYPES,
  type ResourceType,
} from '@okendo/schemas';
import { mapResource } from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { EXPECTED_ANSWERS, expectedAnswerJson } from '../harness/answer-shapes.js';

type Row = Record<string, unknown>;

const wire = (name: string) => {
  const found = [...FIXTURES, ...EDGE_CASE_FIXTURES].find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return { fixture: found, body: JSON.parse(found.body) as { resource: Row } };
};

function mapped(resourceType: ResourceType, body: { resource: Row }, entityId = 'e-1'): Row {
  const record = mapResource(resourceType, body, entityId);
  expect(RESOURCE_RECORD_TYPES[resourceType].isValid(record)).toBe(true);
  return record as unknown as Row;
}

const questions = (record: Row) => record['answeredQuestions'] as Row[];

describe('survey answers of every shape', () => {
  const { fixture, body } = wire('edge.survey_response-every-answer-shape');
  const record = mapped('survey_response', body, fixture.entityId);

  it('gives one answered question per question of the body, in order, with no mapping issue', () => {
    expect(questions(record).map((q) => q['questionId'])).toEqual(ANSWER_SHAPE_QUESTIONS.map((q) => q['id']));
    expect(record['mappingIssues']).toEqual([]);
  });

  it.each(Object.entries(EXPECTED_ANSWERS))('%s: answers, answer, answer number and JSON', (id, expected) => {
    const question = questions(record).find((q) => q['questionId'] === id);
    expect(question).toMatchObject({ ...expected, answerJson: expectedAnswerJson(id) });
  });

  it('keeps the custom answer, its option text and the channel survey description', () => {
    const custom = questions(record).find((q) => q['questionId'] === 'shape-custom');
    expect(custom).toMatchObject({
      customAnswer: 'A podcast ad',
      customAnswerOptionText: 'Other (please specify)',
    });
    expect(record['channelSurveyDescription']).toBe('Post-delivery email survey');
  });

  it('an object answer without value, or a nested item in a list, keeps its JSON and is named in mappingIssues', () => {
    const odd = structuredClone(body);
    odd.resource['answeredQuestions'] = [
      { id: 'q1', answer: { label: 'Blue' } },
      { id: 'q2', answer: ['Red', { label: 'Green' }, null] },
      { id: 'q3', answer: '  12.5 ' },
      { id: 'q4', answer: ['7'] },
      { id: 'q5', answer: ['7', '8'] },
    ];
    const result = mapped('survey_response', odd);
    expect(questions(result)).toMatchObject([
      { questionId: 'q1', answers: [], answer: null, answerNumber: null, answerJson: '{"label":"Blue"}' },
      { questionId: 'q2', answers: ['Red', '{"label":"Green"}'], answer: 'Red, {"label":"Green"}' },
      { questionId: 'q3', answers: ['  12.5 '], answerNumber: 12.5 },
      { questionId: 'q4', answers: ['7'], answerNumber: 7 },
      { questionId: 'q5', answers: ['7', '8'], answerNumber: null },
    ]);
    expect(result['mappingIssues']).toEqual([
      'body.resource.answeredQuestions[0].answer: an object without value: object {"label":"Blue"}',
      'body.resource.answeredQuestions[1].answer[1]: object {"label":"Green"}',
    ]);
  });

  it('quiz answers are normalised the same way', () => {
    const quiz = wire('quiz_response.create').body;
    quiz.resource['answeredQuestions'] = [
      { id: 'q1', text: 'Skin type?', answer: { type: 'single-choice', value: 'Oily' } },
      { id: 'q2', text: 'Age?', answer: 34 },
      { id: 'q3', text: 'Concerns?', answer: { type: 'multiple-choice', value: ['Pores', 'Shine'] } },
    ];
    expect(questions(mapped('quiz_response', quiz))).toMatchObject([
      {
        questionId: 'q1',
        answers: ['Oily'],
        answer: 'Oily',
        answerNumber: null,
        answerJson: '{"type":"single-choice","value":"Oily"}',
      },
      { questionId: 'q2', answers: ['34'], answer: '34', answerNumber: 34, answerJson: '34' },
      { questionId: 'q3', answers: ['Pores', 'Shine'], answer: 'Pores, Shine', answerNumber: null },
    ]);
  });
});

describe('review fields of the REST API reference', () => {
  it('reads isIncentivized, variantName, the reviewer, reply and reward fields', () => {
    const { body } = wire('review.create');
    const r = body.resource as Record<string, Row>;
    const reviewer = r['reviewer'] as Row & { location: { country: Row } };
    expect(mapped('review', body)).toMatchObject({
      isIncentivized: true,
      variantName: r['variantName'],
      reviewerAvatarUrl: reviewer['avatarUrl'],
      reviewerSocialConnection: reviewer['socialConnection'],
      reviewerCountryName: reviewer.location.country['name'],
      replyRawBody: (r['reply'] as Row)['rawBody'],
      rewardType: 'percentage_discount',
      rewardValue: '15',
    });
  });

  it('reviewer.attributes[] become reviewerAttributes (a list value joined)', () => {
    const { body } = wire('review.create');
    (body.resource['reviewer'] as Row)['attributes'] = [
      { title: 'Skin type', type: 'single-value', value: 'Combination' },
      { title: 'Concerns', type: 'multi-value', value: ['Redness', 'Dryness'] },
      { type: 'single-value' },
    ];
    expect(mapped('review', body)['reviewerAttributes']).toEqual([
      { title: 'Skin type', type: 'single-value', value: 'Combination' },
      { title: 'Concerns', type: 'multi-value', value: 'Redness, Dryness' },
      { title: null, type: 'single-value', value: null },
    ]);
  });
});

describe('loyalty member names', () => {
  it('reads the REST names points.balance, vipTierName and minimumVipTierName', () => {
    const { body } = wire('loyalty_customer.update');
    expect(mapped('loyalty_customer', body)).toMatchObject({
      pointsBalance: 2620,
      vipTierName: 'Gold',
      minimumVipTierName: 'Silver',
      status: 'enrolled',
      mappingIssues: [],
    });
  });

  it('falls back to the guessed names pointsBalance and vipTier.name', () => {
    const { body } = wire('edge.loyalty_customer-guessed-names');
    expect(mapped('loyalty_customer', body)).toMatchObject({
      pointsBalance: 380,
      vipTierName: 'Bronze',
      minimumVipTierName: null,
      mappingIssues: [],
    });
  });

  it('the first present name wins when both arrive', () => {
    const { body } = wire('loyalty_customer.create');
    Object.assign(body.resource, { pointsBalance: 1, vipTier: { name: 'Old' } });
    expect(mapped('loyalty_customer', body)).toMatchObject({ pointsBalance: 1450, vipTierName: 'Silver' });
  });
});

describe('points_delta: positive for earning and adjustments up, negative for redemptions', () => {
  const delta = (resourceType: ResourceType, fields: Row) => {
    const { body } = wire(`${resourceType}.create`);
    for (const key of ['amount', 'points', 'pointsSpent']) delete body.resource[key];
    Object.assign(body.resource, fields);
    return mapped(resourceType, body)['pointsDelta'];
  };

  it.each([
    ['loyalty_earning_transaction', { amount: 1170 }, 1170],
    ['loyalty_earning_transaction', { amount: -1170 }, 1170],
    ['loyalty_earning_transaction', { points: 40 }, 40],
    ['loyalty_redemption_transaction', { amount: -1000 }, -1000],
    ['loyalty_redemption_transaction', { amount: 500 }, -500],
    ['loyalty_redemption_transaction', { pointsSpent: 300 }, -300],
    ['loyalty_redemption_transaction', { amount: 0 }, 0],
    ['loyalty_adjustment_transaction', { amount: 250 }, 250],
    ['loyalty_adjustment_transaction', { amount: -120 }, -120],
    ['loyalty_adjustment_transaction', { points: 99 }, null],
    ['loyalty_earning_transaction', {}, null],
  ] as const)('%s %j -> %s', (resourceType, fields, expected) => {
    expect(delta(resourceType, fields)).toBe(expected);
  });

  it('amount keeps the figure as sent', () => {
    const { body } = wire('edge.loyalty_redemption_transaction-positive-amount');
    expect(mapped('loyalty_redemption_transaction', body)).toMatchObject({ amount: 500, pointsDelta: -500 });
  });
});

describe('quiz order id', () => {
  it.each([
    [{ orderId: 'o-1' }, 'o-1'],
    [{ remoteOrderId: 'r-1' }, 'r-1'],
    [{ orderId: 'o-1', remoteOrderId: 'r-1' }, 'o-1'],
    [{}, null],
  ])('order %j -> %s', (order, expected) => {
    const { body } = wire('quiz_response.create');
    body.resource['order'] = order;
    expect(mapped('quiz_response', body)['orderId']).toBe(expected);
  });
});
