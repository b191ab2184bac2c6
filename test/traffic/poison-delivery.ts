/**
 * A poison row for tests: a body the ingest routes and the sink maps, but that ClickHouse permanently refuses
 * on both engines. A lone UTF-16 surrogate (`\ud800`) is valid JSON and a valid JS string, so routing and
 * mapping accept it; JSON.stringify writes it back as the escape `\ud800`, which ClickHouse 18.16 and chDB
 * (26.x) both refuse: "Code: 25 ... Cannot parse escape sequence: missing second part of surrogate pair"
 * (CANNOT_PARSE_ESCAPE_SEQUENCE), found by experiment. The field chosen is a state-table column that does not
 * travel in the envelope, so only the state row is refused: the event still reaches the event log.
 */
import type { ResourceType } from '@okendo/schemas';

/** The string field of body.resource that carries the poison, per resource type. */
export const POISON_FIELD: Readonly<Record<ResourceType, string>> = {
  review: 'title',
  loyalty_customer: 'status',
  loyalty_adjustment_transaction: 'status',
  loyalty_earning_transaction: 'status',
  loyalty_redemption_transaction: 'status',
  quiz_response: 'quizName',
  survey_response: 'surveyName',
};

/** What the dead letter's error says on both engines (18.16: "Code: 25, e.displayText() ..."; chDB: "Code: 25. ..."). */
export const POISON_ERROR = /Code: 25\b.*surrogate/s;

/** The same delivery with its poison field set to a lone surrogate; everything else unchanged. */
export function poisonBody(body: string, resourceType: ResourceType): string {
  const parsed = JSON.parse(body) as { resource?: Record<string, unknown> };
  if (typeof parsed.resource !== 'object' || parsed.resource === null)
    throw new Error('poisonBody: the body has no resource object');
  parsed.resource[POISON_FIELD[resourceType]] = 'poison \ud800';
  const poisoned = JSON.stringify(parsed);
  if (!poisoned.includes('\\ud800'))
    throw new Error('poisonBody: JSON.stringify did not escape the surrogate');
  return poisoned;
}
