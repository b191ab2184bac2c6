-- Attribution views: the questions a data team asks first, answered from current state.

-- Post-purchase survey answers to "how did you hear about us"-style questions, per survey channel and answer
-- (a multiple-choice answer counts once per chosen option), with how many distinct orders they cover.
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
    WHERE match(lower(ifNull(text, '')), 'hear about|find us|found us|where did you|how did you')
) AS answered
ALL INNER JOIN (
    SELECT survey_response_id, sequence_number, ifNull(channel, '') AS channel, ifNull(remote_order_id, '') AS order_id
    FROM {database}.survey_responses_current
) AS response USING (survey_response_id, sequence_number)
GROUP BY channel, question, answer;

-- Quiz product recommendations against orders: per recommended product (winner or runner-up), how often it was
-- recommended, how many of those quiz responses led to an order, and how many of those orders carry a review
-- of that very product (a purchase we can see; ANY LEFT JOIN counts a product once per order).
CREATE VIEW IF NOT EXISTS {database}.quiz_recommendation_orders AS
SELECT
    product_id,
    is_runner_up,
    count() AS recommendations,
    countIf(order_id != '') AS recommendations_with_order,
    countIf(reviewed_in_order = 1) AS reviewed_in_order
FROM (
    SELECT product_id, is_runner_up, order_id, if(order_id != '' AND order_id = reviewed_order_id, 1, 0) AS reviewed_in_order
    FROM (
        -- One join per SELECT: ClickHouse 18.16 does not chain joins.
        SELECT product_id, is_runner_up, order_id
        FROM (
            SELECT quiz_response_id, sequence_number, product_id, ifNull(is_runner_up, 0) AS is_runner_up
            FROM {database}.quiz_recommendations_current
        ) AS recommendation
        ALL INNER JOIN (
            SELECT quiz_response_id, sequence_number, ifNull(order_id, '') AS order_id
            FROM {database}.quiz_responses_current
        ) AS response USING (quiz_response_id, sequence_number)
    ) AS recommended
    ANY LEFT JOIN (
        SELECT ifNull(product_id, '') AS product_id, ifNull(order_id, '') AS order_id, ifNull(order_id, '') AS reviewed_order_id
        FROM {database}.reviews_current
        WHERE order_id IS NOT NULL
    ) AS review USING (product_id, order_id)
)
GROUP BY product_id, is_runner_up;

-- Review ratings per product and month: count, average and the 1-5 distribution.
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
WHERE rating IS NOT NULL AND date_created IS NOT NULL
GROUP BY product_id, month;
