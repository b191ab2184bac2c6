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

function review(r: WireObject): Review {
  const order = r.obj('order');
  const reviewer = r.obj('reviewer');
  const location = reviewer.obj('location');
  const reply = r.obj('reply');
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
    reviewerCountryCode: location.obj('country').str('code'),
    reviewerZoneCode: location.str('zoneCode'),
    replyBody: reply.str('body'),
    replyDateCreated: reply.timestamp('dateCreated'),
    replyIsPrivate: reply.bool('isPrivate'),
    rewardDescription: r.obj('reward').str('description'),
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
      type: a.str('type'),
      value: joined(a.answers('value')),
    })),
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
    pointsBalance: r.num('pointsBalance'),
    vipTierName: r.obj('vipTier').str('name'),
    dateEnrolled: r.timestamp('dateEnrolled'),
    tierEnteredDate: r.timestamp('tierEnteredDate'),
    tierExpiryDate: r.timestamp('tierExpiryDate'),
    pointsExpiryDate: r.timestamp('pointsExpiryDate'),
  };
}

function loyaltyTransaction(kind: LoyaltyTransactionKind) {
  return (r: WireObject): LoyaltyTransaction => ({
    kind,
    loyaltyTransactionId: r.id('loyaltyTransactionId'),
    subscriberId: r.str('subscriberId'),
    loyaltyCustomerId: r.str('loyaltyCustomerId'),
    customerId: r.obj('customer').str('customerId'),
    amount: r.num('amount'),
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
  return {
    quizResponseId: r.id('quizResponseId'),
    subscriberId: r.str('subscriberId'),
    quizId: r.str('quizId'),
    quizName: r.str('quizName'),
    dateCreated: r.timestamp('dateCreated'),
    customerId: r.obj('customer').str('customerId'),
    orderId: r.obj('order').str('orderId'),
    marketingOptIn: r.bool('marketingOptIn'),
    rewardDescription: r.obj('reward').str('description'),
    answeredQuestions: r.objects('answeredQuestions').map((q, i) => {
      const answers = q.answers('answer');
      return { questionId: q.str('id') ?? `#${i}`, text: q.str('text'), answer: joined(answers), answers };
    }),
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
    customerId: r.obj('customer').str('customerId'),
    remoteOrderId: r.obj('order').str('remoteOrderId'),
    rewardDescription: reward.str('description'),
    rewardType: reward.str('type'),
    rewardValue: reward.str('value'),
    answeredQuestions: r.objects('answeredQuestions').map((q, i) => {
      const answers = q.answers('answer');
      return {
        questionId: q.str('id') ?? `#${i}`,
        type: q.str('type'),
        text: q.str('text'),
        answer: joined(answers),
        answers,
        answerNpsCategory: q.str('answerNpsCategory'),
        customAnswer: q.str('customAnswer'),
        profileQuestionId: q.str('profileQuestionId'),
        marketingOptIn: q.bool('marketingOptIn'),
      };
    }),
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
 * Maps body.resource of a webhook to its normalised record, never throwing on data: the id field is the
 * envelope's `entityId` (identity never depends on the body), and `mappingIssues` lists what could not be read.
 */
export function mapResource(resourceType: ResourceType, body: unknown, entityId: string): NormalisedRecord {
  const resource = WireObject.from(body, 'body').obj('resource');
  const fields = mappers[resourceType](resource);
  return {
    ...fields,
    [ENTITY_ID_FIELD[resourceType]]: entityId,
    mappingIssues: resource.issues.map(issueText),
  } as NormalisedRecord;
}
