/**
 * What each question of the every-answer-shape survey fixture (ANSWER_SHAPE_QUESTIONS) must become, written
 * out by hand: the unit test checks the mapping against it, the integration test the survey_answers rows.
 */
import { ANSWER_SHAPE_QUESTIONS } from '@okendo/schemas';

export interface ExpectedAnswer {
  answers: string[];
  answer: string | null;
  answerNumber: number | null;
}

export const EXPECTED_ANSWERS: Readonly<Record<string, ExpectedAnswer>> = {
  'shape-string': { answers: ['TikTok'], answer: 'TikTok', answerNumber: null },
  'shape-string-list': {
    answers: ['Face serum', 'Night cream'],
    answer: 'Face serum, Night cream',
    answerNumber: null,
  },
  'shape-number': { answers: ['10'], answer: '10', answerNumber: 10 },
  'shape-numeric-string': { answers: ['4'], answer: '4', answerNumber: 4 },
  'shape-boolean': { answers: ['true'], answer: 'true', answerNumber: null },
  'shape-typed-string': { answers: ['The pump bottle'], answer: 'The pump bottle', answerNumber: null },
  'shape-typed-number': { answers: ['6'], answer: '6', answerNumber: 6 },
  'shape-typed-list': {
    answers: ['Instagram', 'A friend'],
    answer: 'Instagram, A friend',
    answerNumber: null,
  },
  'shape-typed-boolean': { answers: ['false'], answer: 'false', answerNumber: null },
  'shape-typed-object': {
    answers: ['{"city":"Leeds","countryCode":"GB"}'],
    answer: '{"city":"Leeds","countryCode":"GB"}',
    answerNumber: null,
  },
  'shape-typed-null': { answers: [], answer: null, answerNumber: null },
  'shape-custom': { answers: ['Other'], answer: 'Other', answerNumber: null },
  'shape-null': { answers: [], answer: null, answerNumber: null },
};

/** The original JSON of a question's answer, as answer_json must hold it (null for an absent or null answer). */
export function expectedAnswerJson(questionId: string): string | null {
  const question = ANSWER_SHAPE_QUESTIONS.find((q) => q['id'] === questionId);
  if (question === undefined) throw new Error(`no question ${questionId}`);
  const answer = question['answer'];
  return answer === null || answer === undefined ? null : JSON.stringify(answer);
}
