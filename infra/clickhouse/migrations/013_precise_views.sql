-- Precise analyst views (issue 11): attribution questions from an explicit, editable list instead of a text
-- pattern; NPS per survey, channel and month; review ratings per status and for approved reviews only.
-- Portable to 18.16: no window functions, one JOIN per SELECT, no trimBoth (a regexp trims instead).

-- The questions survey_attribution counts. A row names a question by its id (`question_id`, the
-- answeredQuestions[].id Okendo sends) or by its text (`question_text`, compared with the answer's text
-- lower-cased and trimmed, never as a pattern); set one of the two and leave the other ''. A merchant adds a
-- question with a plain INSERT and removes one by inserting the same id or text with is_active = 0: per id and
-- normalised text the row with the latest changed_at wins (survey_attribution_questions_current). The seed is
-- dated 2000-01-01, so any merchant row (changed_at defaults to now()) overrides it, also after a rerun.
CREATE TABLE IF NOT EXISTS {database}.survey_attribution_questions (
    question_id String DEFAULT '',
    question_text String DEFAULT '',
    is_active UInt8 DEFAULT 1,
    note String DEFAULT '',
    changed_at DateTime('UTC') DEFAULT now()
) ENGINE = ReplacingMergeTree(changed_at)
ORDER BY (question_id, question_text);

-- Common "how did you hear about us" phrasings (post-purchase survey guides of Fairing, Klar, KnoCommerce,
-- Daasity; Okendo's own template text is not published). An identical rerun adds identical rows, which
-- the _current view reads once and a merge collapses.
INSERT INTO {database}.survey_attribution_questions (question_id, question_text, is_active, note, changed_at) VALUES
    ('', 'How did you hear about us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'Where did you hear about us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'How did you find us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'Where did you find us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'How did you first hear about us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'Where did you first hear about us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'How did you learn about us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'How did you discover us?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'How did you hear about us today?', 1, 'seed', '2000-01-01 00:00:00'),
    ('', 'How did you hear about our brand?', 1, 'seed', '2000-01-01 00:00:00');

-- The list as it stands: one row per question id or normalised text whose latest row is active.
CREATE VIEW IF NOT EXISTS {database}.survey_attribution_questions_current AS
SELECT question_id, normalised_text AS question_text, last_note AS note, last_changed_at AS changed_at
FROM (
    SELECT
        question_id,
        lowerUTF8(replaceRegexpAll(question_text, '^\\s+|\\s+$', '')) AS normalised_text,
        argMax(is_active, changed_at) AS active,
        argMax(note, changed_at) AS last_note,
        max(changed_at) AS last_changed_at
    FROM {database}.survey_attribution_questions
    GROUP BY question_id, normalised_text
)
WHERE active = 1 AND (question_id != '' OR normalised_text != '');

-- Answers to the listed questions, per survey channel, question text (as sent) and chosen option.
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
    FROM {database}.survey_answers_current
    WHERE question_id IN (
            SELECT question_id FROM {database}.survey_attribution_questions_current WHERE question_id != '')
        OR lowerUTF8(replaceRegexpAll(ifNull(text, ''), '^\\s+|\\s+$', '')) IN (
            SELECT question_text FROM {database}.survey_attribution_questions_current WHERE question_text != '')
) AS answered
ALL INNER JOIN (
    SELECT survey_response_id, sequence_number, ifNull(channel, '') AS channel, ifNull(remote_order_id, '') AS order_id
    FROM {database}.survey_responses_current
) AS response USING (survey_response_id, sequence_number)
GROUP BY channel, question, answer;

-- Net Promoter Score per month of the response, survey and channel. An answer counts when its question type
-- is 'nps' or it carries answerNpsCategory. Its category is answerNpsCategory when that is promoter, passive
-- or detractor (Okendo's own classification wins), else it comes from the 0-10 score in answer_number
-- (9-10 promoter, 7-8 passive, 0-6 detractor); an answer with neither is left out.
CREATE VIEW IF NOT EXISTS {database}.nps_by_month AS
SELECT
    month,
    survey_id,
    any(name) AS survey_name,
    channel,
    count() AS responses,
    countIf(category = 'promoter') AS promoters,
    countIf(category = 'passive') AS passives,
    countIf(category = 'detractor') AS detractors,
    100 * promoters / responses AS promoters_pct,
    100 * detractors / responses AS detractors_pct,
    promoters_pct - detractors_pct AS nps
FROM (
    SELECT survey_response_id, sequence_number, category
    FROM (
        SELECT
            survey_response_id,
            sequence_number,
            lowerUTF8(ifNull(answer_nps_category, '')) AS given,
            ifNull(answer_number, -1) AS score,
            multiIf(
                given IN ('promoter', 'passive', 'detractor'), given,
                score >= 9 AND score <= 10, 'promoter',
                score >= 7 AND score < 9, 'passive',
                score >= 0 AND score < 7, 'detractor',
                '') AS category
        FROM {database}.survey_answers_current
        WHERE lowerUTF8(ifNull(type, '')) = 'nps' OR answer_nps_category IS NOT NULL
    )
    WHERE category != ''
) AS answered
ALL INNER JOIN (
    SELECT
        survey_response_id,
        sequence_number,
        ifNull(survey_id, '') AS survey_id,
        ifNull(survey_name, '') AS name,
        ifNull(channel, '') AS channel,
        toStartOfMonth(assumeNotNull(date_created)) AS month
    FROM {database}.survey_responses_current
    WHERE date_created IS NOT NULL
) AS response USING (survey_response_id, sequence_number)
GROUP BY month, survey_id, channel;

-- Review ratings per product, month of date_created and moderation status ('' when absent).
CREATE VIEW IF NOT EXISTS {database}.review_ratings_by_product_month_status AS
SELECT
    ifNull(product_id, '') AS product_id,
    toStartOfMonth(assumeNotNull(date_created)) AS month,
    ifNull(status, '') AS status,
    count() AS reviews,
    avg(assumeNotNull(rating)) AS average_rating,
    countIf(rating = 1) AS rating_1,
    countIf(rating = 2) AS rating_2,
    countIf(rating = 3) AS rating_3,
    countIf(rating = 4) AS rating_4,
    countIf(rating = 5) AS rating_5
FROM {database}.reviews_current
WHERE rating IS NOT NULL AND date_created IS NOT NULL
GROUP BY product_id, month, status;

-- The same for approved reviews only: what the storefront shows.
CREATE VIEW IF NOT EXISTS {database}.review_ratings_by_product_month_approved AS
SELECT
    ifNull(product_id, '') AS product_id,
    toStartOfMonth(assumeNotNull(date_created)) AS month,
    count() AS reviews,
    avg(assumeNotNull(rating)) AS average_rating,
    countIf(rating = 1) AS rating_1,
    countIf(rating = 2) AS rating_2,
    countIf(rating = 3) AS rating_3,
    countIf(rating = 4) AS rating_4,
    countIf(rating = 5) AS rating_5
FROM {database}.reviews_current
WHERE status = 'approved' AND rating IS NOT NULL AND date_created IS NOT NULL
GROUP BY product_id, month;

-- The old name now counts approved reviews only (it counted every status, which is not what it was read as);
-- the same columns, so existing queries keep working. Every status: review_ratings_by_product_month_status.
DROP TABLE IF EXISTS {database}.review_ratings_by_product_month;
CREATE VIEW IF NOT EXISTS {database}.review_ratings_by_product_month AS
SELECT
    ifNull(product_id, '') AS product_id,
    toStartOfMonth(assumeNotNull(date_created)) AS month,
    count() AS reviews,
    avg(assumeNotNull(rating)) AS average_rating,
    countIf(rating = 1) AS rating_1,
    countIf(rating = 2) AS rating_2,
    countIf(rating = 3) AS rating_3,
    countIf(rating = 4) AS rating_4,
    countIf(rating = 5) AS rating_5
FROM {database}.reviews_current
WHERE status = 'approved' AND rating IS NOT NULL AND date_created IS NOT NULL
GROUP BY product_id, month;
