/**
 * Okendo resources (wire shape, okendo-webhooks.md) to the normalised records of schemas/avro. Only the
 * flattening and shape-normalising happen here; columns and child rows follow from the schemas (rows.ts).
 *
 * Mapping policy (README.md in this folder): identity comes from the envelope (resourceType, topic,
 * sequenceNumber, entity id), so a routable event ALWAYS yields its state row. Every other field is best
 * effort: WireObject reads an unexpected shape as null or empty (or converts it when that is lossless) and
 * records a mapping issue, which lands in the row's `mapping_issues` and in `sink_mapping_issues_total`.
 * Nothing here throws on data.
 */
import {
  ENTITY_ID_FIELD,
  type LoyaltyCustomer as LoyaltyCustomerRecord,
  type LoyaltyTransactionKind,
  type LoyaltyTransaction as LoyaltyTransactionRecord,
  type QuizResponse as QuizResponseRecord,
  type ResourceType,
  type Review as ReviewRecord,
  type SurveyResponse as SurveyResponseRecord,
} from '@okendo/schemas';
import { readAnswer } from './answers.js';
import { issueText, WireObject } from './wire-object.js';

export type NormalisedRecord =
  | ReviewRecord
  | LoyaltyCustomerRecord
  | LoyaltyTransactionRecord
  | QuizResponseRecord
  | SurveyResponseRecord;

// What a mapper returns: the record without the issues, which mapResource adds from the WireObject's list.
type Review = Omit<ReviewRecord, 'mappingIssues'>;
type LoyaltyCustomer = Omit<LoyaltyCustomerRecord, 'mappingIssues'>;
type LoyaltyTransaction = Omit<LoyaltyTransactionRecord, 'mappingIssues'>;
type QuizResponse = Omit<QuizResponseRecord, 'mappingIssues'>;
type SurveyResponse = Omit<SurveyResponseRecord, 'mappingIssues'>;
type MappedFields = Review | LoyaltyCustomer | LoyaltyTransaction | QuizResponse | SurveyResponse;

const joined = (values: readonly string[]): string | null => (values.length === 0 ? null : values.join(', '));

const present = (o: WireObject, key: string): boolean => o.value(key) !== undefined && o.value(key) !== null;

/**
 * Where Okendo's names are not settled (the REST API's next to our earlier guess), the first candidate field
 * that is present is read; the others are not read at all, so they record no issue.
 */
function firstPresent<T>(
  candidates: ReadonlyArray<readonly [WireObject, string]>,
  read: (o: WireObject, key: string) => T | null,
): T | null {
  for (const [o, key] of candidates) if (present(o, key)) return read(o, key);
  return null;
}

const num = (o: WireObject, key: string) => o.num(key);
const str = (o: WireObject, key: string) => o.str(key);

/** An attribute list item ({title, type, value}, value a string or a list of them). */
const attribute = (a: WireObject) => ({ type: a.str('type'), value: joined(a.answers('value')) });

function review(r: WireObject): Review {
  const order = r.obj('order');
  const reviewer = r.obj('reviewer');
  const location = reviewer.obj('location');
  const country = location.obj('country');
  const reply = r.obj('reply');
  const reward = r.obj('reward');
  return {
    subscriberId: r.str('subscriberId'),
    reviewId: r.id('reviewId'),
    productId: r.str('productId'),
    variantId: r.str('variantId'),
    productName: r.str('productName'),
    rating: r.int('rating'),
    title: r.str('title'),
    body: r.str('body'),
    status: r.str('status'),
    sentiment: r.str('sentiment'),
    containsProfanity: r.bool('containsProfanity'),
    isRecommended: r.bool('isRecommended'),
    helpfulCount: r.int('helpfulCount'),
    unhelpfulCount: r.int('unhelpfulCount'),
    dateCreated: r.timestamp('dateCreated'),
    orderId: order.str('orderId'),
    orderNumber: order.str('orderNumber'),
    reviewerName: reviewer.str('name'),
    reviewerDisplayName: reviewer.str('displayName'),
    reviewerIsVerified: reviewer.bool('isVerified'),
    reviewerVerifiedStatus: reviewer.str('verifiedStatus'),
    reviewerCountryCode: country.str('code'),
    reviewerZoneCode: location.str('zoneCode'),
    replyBody: reply.str('body'),
    replyDateCreated: reply.timestamp('dateCreated'),
    replyIsPrivate: reply.bool('isPrivate'),
    rewardDescription: reward.str('description'),
    isIncentivized: r.bool('isIncentivized'),
    variantName: r.str('variantName'),
    reviewerAvatarUrl: reviewer.str('avatarUrl'),
    reviewerSocialConnection: reviewer.str('socialConnection'),
    reviewerCountryName: country.str('name'),
    replyRawBody: reply.str('rawBody'),
    rewardType: reward.str('type'),
    rewardValue: reward.str('value'),
    tags: r.strings('tags'),
    media: r.objects('media').map((m) => ({
      streamId: m.str('streamId'),
      type: m.str('type'),
      fullSizeUrl: m.str('fullSizeUrl'),
      largeUrl: m.str('largeUrl'),
      thumbnailUrl: m.str('thumbnailUrl'),
      isHidden: m.bool('isHidden'),
    })),
    attributesWithRating: r.objects('attributesWithRating').map((a) => ({
      title: a.str('title') ?? '',
      type: a.str('type'),
      value: a.num('value'),
      minLabel: a.str('minLabel'),
      midLabel: a.str('midLabel'),
      maxLabel: a.str('maxLabel'),
    })),
    productAttributes: r.objects('productAttributes').map((a) => ({
      title: a.str('title') ?? '',
      ...attribute(a),
    })),
    reviewerAttributes: reviewer
      .objects('attributes')
      .map((a) => ({ title: a.str('title'), ...attribute(a) })),
  };
}

function loyaltyCustomer(r: WireObject): LoyaltyCustomer {
  const birthday = r.obj('birthday');
  return {
    loyaltyCustomerId: r.id('loyaltyCustomerId'),
    subscriberId: r.str('subscriberId'),
    customerId: r.obj('customer').str('customerId'),
    birthdayDay: birthday.int('day'),
    birthdayMonth: birthday.int('month'),
    status: r.str('status'),
    pointsBalance: firstPresent(
      [
        [r.obj('points'), 'balance'],
        [r, 'pointsBalance'],
      ],
      num,
    ),
    vipTierName: firstPresent(
      [
        [r, 'vipTierName'],
        [r.obj('vipTier'), 'name'],
      ],
      str,
    ),
    minimumVipTierName: r.str('minimumVipTierName'),
    dateEnrolled: r.timestamp('dateEnrolled'),
    tierEnteredDate: r.timestamp('tierEnteredDate'),
    tierExpiryDate: r.timestamp('tierExpiryDate'),
    pointsExpiryDate: r.timestamp('pointsExpiryDate'),
  };
}

/**
 * Sign convention of `pointsDelta` (infra/clickhouse/README.md): the change to the member's balance. `amount`
 * is the points figure of all three kinds, but only the adjustment's sign is documented (negative removes), so
 * an earning always adds |amount| and a redemption always removes |amount|, whichever sign Okendo sends;
 * sum(points_delta) per member is then the net. Without `amount`, the guessed names (points, pointsSpent).
 */
function pointsDelta(kind: LoyaltyTransactionKind, r: WireObject): number | null {
  const guessed = kind === 'earning' ? 'points' : kind === 'redemption' ? 'pointsSpent' : undefined;
  const points = firstPresent(
    guessed === undefined
      ? [[r, 'amount']]
      : [
          [r, 'amount'],
          [r, guessed],
        ],
    num,
  );
  if (points === null) return null;
  if (kind === 'earning') return Math.abs(points);
  if (kind === 'redemption') return points === 0 ? 0 : -Math.abs(points);
  return points;
}

function loyaltyTransaction(kind: LoyaltyTransactionKind) {
  return (r: WireObject): LoyaltyTransaction => ({
    kind,
    loyaltyTransactionId: r.id('loyaltyTransactionId'),
    subscriberId: r.str('subscriberId'),
    loyaltyCustomerId: r.str('loyaltyCustomerId'),
    customerId: r.obj('customer').str('customerId'),
    amount: r.num('amount'),
    pointsDelta: pointsDelta(kind, r),
    date: r.timestamp('date'),
    status: r.str('status'),
    notificationText: r.str('notificationText'),
    internalReason: r.str('internalReason'),
    action: r.str('action'),
    points: r.num('points'),
    rewardDescription: r.obj('reward').str('description'),
    pointsSpent: r.num('pointsSpent'),
  });
}

function quizResponse(r: WireObject): QuizResponse {
  const order = r.obj('order');
  return {
    quizResponseId: r.id('quizResponseId'),
    subscriberId: r.str('subscriberId'),
    quizId: r.str('quizId'),
    quizName: r.str('quizName'),
    dateCreated: r.timestamp('dateCreated'),
    customerId: r.obj('customer').str('customerId'),
    orderId: firstPresent(
      [
        [order, 'orderId'],
        [order, 'remoteOrderId'],
      ],
      str,
    ),
    marketingOptIn: r.bool('marketingOptIn'),
    rewardDescription: r.obj('reward').str('description'),
    answeredQuestions: r.objects('answeredQuestions').map((q, i) => ({
      questionId: q.str('id') ?? `#${i}`,
      text: q.str('text'),
      ...readAnswer(q),
    })),
    productRecommendations: r.objects('productRecommendations').map((p, i) => ({
      productId: p.str('productId') ?? `#${i}`,
      variantIds: p.strings('variantIds'),
      isRunnerUp: p.bool('isRunnerUp'),
      points: p.num('points'),
    })),
  };
}

function surveyResponse(r: WireObject): SurveyResponse {
  const reward = r.obj('reward');
  return {
    surveyResponseId: r.id('surveyResponseId'),
    subscriberId: r.str('subscriberId'),
    surveyId: r.str('surveyId'),
    surveyName: r.str('surveyName'),
    dateCreated: r.timestamp('dateCreated'),
    channel: r.str('channel'),
    channelSurveyId: r.str('channelSurveyId'),
    channelSurveyDescription: r.str('channelSurveyDescription'),
    customerId: r.obj('customer').str('customerId'),
    remoteOrderId: r.obj('order').str('remoteOrderId'),
    rewardDescription: reward.str('description'),
    rewardType: reward.str('type'),
    rewardValue: reward.str('value'),
    answeredQuestions: r.objects('answeredQuestions').map((q, i) => ({
      questionId: q.str('id') ?? `#${i}`,
      type: q.str('type'),
      text: q.str('text'),
      ...readAnswer(q),
      answerNpsCategory: q.str('answerNpsCategory'),
      customAnswer: q.str('customAnswer'),
      customAnswerOptionText: q.str('customAnswerOptionText'),
      profileQuestionId: q.str('profileQuestionId'),
      marketingOptIn: q.bool('marketingOptIn'),
    })),
  };
}

const mappers: Record<ResourceType, (resource: WireObject) => MappedFields> = {
  review,
  loyalty_customer: loyaltyCustomer,
  loyalty_adjustment_transaction: loyaltyTransaction('adjustment'),
  loyalty_earning_transaction: loyaltyTransaction('earning'),
  loyalty_redemption_transaction: loyaltyTransaction('redemption'),
  quiz_response: quizResponse,
  survey_response: surveyResponse,
};

/**
 * At most this many issues per row (the last one says how many more): an array of 100,000 nulls is one body
 * under Kafka's message limit, and must not become a row of megabytes.
 */
const MAX_LISTED_ISSUES = 100;

/**
 * Maps body.resource of a webhook to its normalised record, never throwing on data: the id field is the
 * envelope's `entityId` (identity never depends on the body), and `mappingIssues` lists what could not be read.
 */
export function mapResource(resourceType: ResourceType, body: unknown, entityId: string): NormalisedRecord {
  const resource = WireObject.from(body, 'body').obj('resource');
  const fields = mappers[resourceType](resource);
  const issues = resource.issues.map(issueText);
  return {
    ...fields,
    [ENTITY_ID_FIELD[resourceType]]: entityId,
    mappingIssues:
      issues.length <= MAX_LISTED_ISSUES
        ? issues
        : [
            ...issues.slice(0, MAX_LISTED_ISSUES - 1),
            `body: ${issues.length - MAX_LISTED_ISSUES + 1} more issues not listed`,
          ],
  } as NormalisedRecord;
}
