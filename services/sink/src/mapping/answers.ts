/**
 * Survey and quiz answers in every shape they arrive in (okendo-webhooks.md): a string, a number (NPS, rating),
 * a boolean, a list of chosen options, or `{type, value}` where `value` is itself any JSON value. One answer
 * becomes four columns, so analysts never need JSON functions for the common questions and never lose the rest:
 * - `answers`: one entry per chosen option, scalars as their text (true/false, 9, "Instagram");
 * - `answer`: the entries joined with ', ' (GROUP BY without arrayJoin);
 * - `answerNumber`: the number, when the answer is one number or one numeric string (NPS 9, rating "4");
 * - `answerJson`: the original JSON of `answer`, whatever its shape.
 */
import { describeValue, type WireObject } from './wire-object.js';

export interface NormalisedAnswer {
  answers: string[];
  answer: string | null;
  answerNumber: number | null;
  answerJson: string | null;
}

const NO_ANSWER: NormalisedAnswer = { answers: [], answer: null, answerNumber: null, answerJson: null };

// Plain decimal notation, as WireObject.num reads it: "0x10" or "" are not numbers here either.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number, or a string that is exactly one in decimal notation; anything else is null. */
function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) return null;
  const parsed = Number(value.trim());
  return Number.isFinite(parsed) ? parsed : null;
}

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * The options of a list: scalars as their text, nulls left out. A nested object or list is kept as its JSON
 * text (so the option is not lost from `answers`) and noted, since no documented shape has one.
 */
function optionsOf(items: readonly unknown[], owner: WireObject, key: string): string[] {
  const out: string[] = [];
  items.forEach((item, i) => {
    if (item === null || item === undefined) return;
    if (isScalar(item)) out.push(String(item));
    else {
      owner.note(`${key}[${i}]`, describeValue(item));
      out.push(JSON.stringify(item));
    }
  });
  return out;
}

/** The options and number of a plain (non-`{type, value}`) answer value. */
function readPlain(
  value: unknown,
  owner: WireObject,
  key: string,
): { options: string[]; number: number | null } {
  if (value === null || value === undefined) return { options: [], number: null };
  if (Array.isArray(value)) {
    const options = optionsOf(value, owner, key);
    // A one-option list of a number (["4"]) is still that number; several options are not one number.
    return { options, number: options.length === 1 && value.length === 1 ? numberOf(value[0]) : null };
  }
  if (isScalar(value)) return { options: [String(value)], number: numberOf(value) };
  // An object as a {type, value} answer's value (an address, a date range): one option, its JSON text.
  return { options: [JSON.stringify(value)], number: null };
}

/**
 * Reads `owner[key]` as an answer. Never throws and never drops the question: a shape outside the documented
 * ones (an object without `value`) gives empty `answers` and a mapping issue, and still keeps its `answerJson`.
 */
export function readAnswer(owner: WireObject, key = 'answer'): NormalisedAnswer {
  const value = owner.value(key);
  if (value === undefined || value === null) return NO_ANSWER;
  const answerJson = JSON.stringify(value);
  let read: { options: string[]; number: number | null };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const typed = value as Record<string, unknown>;
    if (!('value' in typed)) {
      owner.note(key, `an object without value: ${describeValue(value)}`);
      read = { options: [], number: null };
    } else {
      read = readPlain(typed['value'], owner, `${key}.value`);
    }
  } else {
    read = readPlain(value, owner, key);
  }
  return {
    answers: read.options,
    answer: read.options.length === 0 ? null : read.options.join(', '),
    answerNumber: read.number,
    answerJson,
  };
}
