-- survey_attribution, faster (issue 11: the README's example took 1.4 s at 2.1 M events on 18.16), with the same
-- columns and answers as migration 013's. 013 read survey_answers_current, which joins every answer row of every
-- version to its current response, normalised the question text of each of those rows, and joined the current
-- response a second time for its channel and order. Here the answers are read with FINAL once, and only those of
-- current responses: (survey_response_id, sequence_number) are the leading sort-key columns, which every copy of
-- a row shares, so a PREWHERE on them is exact with FINAL and leaves the other versions' rows out before FINAL
-- and the text normalisation. It compares a hash of the pair (a set of UInt64: a tuple IN of a String and a
-- UInt64 took 18.16 about 2.5x as long); a collision only lets another version's rows through, which the JOIN on
-- the pair itself drops. The question filter stays in WHERE, after FINAL, so it sees the surviving copy (a
-- rebuild may have rewritten a row). The one JOIN brings the channel and order, and drops deleted responses.
-- Portable to 18.16: no window functions, one JOIN per SELECT, no trimBoth (a regexp trims instead).
DROP TABLE IF EXISTS {database}.survey_attribution;
CREATE VIEW IF NOT EXISTS {database}.survey_attribution AS
SELECT
    channel,
    question,
    answer,
    count() AS responses,
    uniqExactIf(order_id, order_id != '') AS orders
FROM (
    SELECT survey_response_id, sequence_number, ifNull(text, '') AS question, arrayJoin(answers) AS answer
    FROM {database}.survey_answers FINAL
    PREWHERE cityHash64(survey_response_id, sequence_number) IN (
        SELECT cityHash64(survey_response_id, sequence_number) FROM {database}.survey_responses FINAL WHERE is_deleted = 0)
    WHERE question_id IN (
            SELECT question_id FROM {database}.survey_attribution_questions_current WHERE question_id != '')
        OR lowerUTF8(replaceRegexpAll(ifNull(text, ''), '^\\s+|\\s+$', '')) IN (
            SELECT question_text FROM {database}.survey_attribution_questions_current WHERE question_text != '')
) AS answered
ALL INNER JOIN (
    SELECT survey_response_id, sequence_number, ifNull(channel, '') AS channel, ifNull(remote_order_id, '') AS order_id
    FROM {database}.survey_responses FINAL
    WHERE is_deleted = 0
) AS response USING (survey_response_id, sequence_number)
GROUP BY channel, question, answer;
