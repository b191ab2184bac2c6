/**
 * Realistic Okendo webhook bodies (version 2025-02-01) shared by tests across the pipeline.
 *
 * Shapes follow /work/shared/okendo-webhooks.md. Where Okendo publishes no example (earning and
 * redemption transactions, loyalty customers, quiz responses) field names are our best guess and are
 * marked "unconfirmed" below; consumers must tolerate them being wrong.
 *
 * `body` is the exact wire text: signature tests sign its UTF-8 bytes, so never re-serialise it.
 * Everything is deterministic (no clocks, no randomness) so snapshots and signatures stay stable.
 */

export type WebhookTopic = 'create' | 'update' | 'delete';

export interface WebhookFixture {
  /** unique, e.g. 'review.create', 'edge.review-emoji' */
  name: string;
  /** exactly as in the body */
  resourceType: string;
  topic: WebhookTopic;
  /** the entity id the body carries (reviewId, loyaltyCustomerId, loyaltyTransactionId, ...) */
  entityId: string;
  /** sequenceNumber exactly as in the body: a string of digits */
  sequenceNumber: string;
  /** the exact raw JSON text sent over the wire (this string's UTF-8 bytes are what gets signed) */
  body: string;
}

/** The merchant's Okendo user id; one merchant sends every fixture. */
export const FIXTURE_SUBSCRIBER_ID = '3f9c2b7e-8d41-4a6f-b0e2-6c5d1a9e7f43';

const VERSION = '2025-02-01';
const SUBSCRIBER_ID = FIXTURE_SUBSCRIBER_ID;

type Resource = Record<string, unknown>;

function fixture(
  name: string,
  resourceType: string,
  topic: WebhookTopic,
  entityId: string,
  sequenceNumber: string,
  resource: Resource,
): WebhookFixture {
  // Key order matches Okendo's documented examples; the sequence number stays a JSON string.
  const body = JSON.stringify({ resourceType, topic, sequenceNumber, version: VERSION, resource });
  return { name, resourceType, topic, entityId, sequenceNumber, body };
}

/** create -> update -> delete of one entity, with sequence numbers increasing in that order. */
function lifecycle(
  resourceType: string,
  entityId: string,
  sequenceNumbers: readonly [create: string, update: string, del: string],
  resources: { create: Resource; update: Resource; delete: Resource },
): WebhookFixture[] {
  const [create, update, del] = sequenceNumbers;
  return [
    fixture(`${resourceType}.create`, resourceType, 'create', entityId, create, resources.create),
    fixture(`${resourceType}.update`, resourceType, 'update', entityId, update, resources.update),
    fixture(`${resourceType}.delete`, resourceType, 'delete', entityId, del, resources.delete),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Shared shoppers and products (one skincare merchant)

const CUSTOMER_MAYA = { customerId: 'shopify-7391046258801', email: 'maya.okafor@example.com' };
const CUSTOMER_LIAM = { customerId: 'shopify-7391046301744', email: 'liam.brennan@example.com' };
const CUSTOMER_PRIYA = { customerId: 'shopify-7391046377290', email: 'priya.natarajan@example.com' };

const SERUM = {
  productId: 'shopify-8123457706201',
  variantId: 'shopify-45012988113113',
  productName: 'Hydrating Rose Face Serum 30 ml',
};
const NIGHT_CREAM = { productId: 'shopify-8123457739865', variantId: 'shopify-45012988244185' };
const CLAY_MASK = { productId: 'shopify-8123457772633', variantId: 'shopify-45012988309721' };

// ---------------------------------------------------------------------------------------------------
// review

function mediaItem(streamId: string, type: 'image' | 'video', isHidden = false): Resource {
  const base = `https://media.example.com/reviews/${streamId}`;
  return {
    streamId,
    type,
    fullSizeUrl: type === 'video' ? `${base}/original.mp4` : `${base}/full.jpg`,
    largeUrl: `${base}/large.jpg`,
    thumbnailUrl: `${base}/thumb.jpg`,
    isHidden,
  };
}

const REVIEW_ID = '8b1e4f2a-6c3d-4e9b-a7f0-2d5c8e1b9a64';

/** A review with every documented field present, as a merchant with all features on would send it. */
function fullReview(reviewId: string): Resource {
  return {
    subscriberId: SUBSCRIBER_ID,
    reviewId,
    ...SERUM,
    variantName: '30 ml',
    rating: 5,
    title: 'My skin has never felt this calm',
    body: 'I have combination skin that gets red around the nose. After three weeks of using this serum every morning the redness is mostly gone and it sits nicely under sunscreen. The rose scent is light and fades within a few minutes.',
    status: 'pending',
    sentiment: 'positive', // value set unconfirmed
    containsProfanity: false,
    isRecommended: true,
    isIncentivized: true,
    helpfulCount: 0,
    unhelpfulCount: 0,
    dateCreated: '2026-10-14T09:21:33.120Z',
    tags: ['serum', 'sensitive-skin'],
    attributesWithRating: [
      {
        title: 'Texture',
        type: 'centered-range',
        value: 0,
        minLabel: 'Too thin',
        midLabel: 'Just right',
        maxLabel: 'Too thick',
      },
      {
        title: 'Scent strength',
        type: 'range',
        value: 2,
        minLabel: 'Barely there',
        midLabel: 'Noticeable',
        maxLabel: 'Strong',
      },
    ],
    productAttributes: [
      { title: 'Size purchased', type: 'single-value', value: '30 ml' },
      { title: 'Used for', type: 'multi-value', value: ['Morning routine', 'Under make-up'] },
    ],
    media: [
      mediaItem('c4a7d9e2-1b3f-4c8a-9e6d-7f2b5a0c3d18', 'image'),
      mediaItem('e91f0b6c-5d2a-4f7e-8b3c-a6d4e2f9c1b7', 'video'),
    ],
    order: { orderId: 'shopify-5829301776601', orderNumber: '#10482' },
    reply: {
      body: '<p>Thank you, Maya! We are so glad the serum is helping.</p>',
      rawBody: 'Thank you, Maya! We are so glad the serum is helping.',
      dateCreated: '2026-10-14T15:02:47.903Z',
      isPrivate: false,
    },
    reviewer: {
      name: 'Maya Okafor',
      displayName: 'Maya O.',
      email: CUSTOMER_MAYA.email,
      isVerified: true,
      verifiedStatus: 'verifiedBuyer', // value set unconfirmed
      avatarUrl: 'https://media.example.com/avatars/maya-okafor.jpg',
      socialConnection: 'facebook', // the REST API reference's example value
      location: { country: { code: 'gb', name: 'United Kingdom' }, zoneCode: 'ENG' },
      // {title, type, value} as in the REST API reference's example
      attributes: [
        { title: 'Skin type', type: 'single-value', value: 'Combination' },
        { title: 'Age range', type: 'single-value', value: '25 - 34' },
      ],
    },
    // description, type and value are the documented names; type's values are unconfirmed
    reward: { description: '15% off your next order', type: 'percentage_discount', value: 15 },
  };
}

const reviewCreate = fullReview(REVIEW_ID);
const reviewFixtures = lifecycle('review', REVIEW_ID, ['1742093318', '1742095127', '1742101964'], {
  create: reviewCreate,
  // Moderation approves it and shoppers start voting.
  update: {
    ...reviewCreate,
    status: 'approved',
    helpfulCount: 7,
    unhelpfulCount: 1,
    tags: ['serum', 'sensitive-skin', 'featured'],
  },
  // Deletes carry only the ids.
  delete: { subscriberId: SUBSCRIBER_ID, reviewId: REVIEW_ID, productId: SERUM.productId },
});

// ---------------------------------------------------------------------------------------------------
// loyalty_customer: the webhook docs name loyaltyCustomerId, customer and birthday; points.balance, status,
// vipTierName and minimumVipTierName are the REST API's names (GET /loyalty/customers), used here as the
// webhook's most likely ones. The dates are guesses.

const LOYALTY_CUSTOMER_ID = '5d2e8a41-7f3b-4c96-b1d8-0e6a9c4f2b57';

function loyaltyCustomer(loyaltyCustomerId: string, customer: Resource): Resource {
  return {
    loyaltyCustomerId,
    customer,
    birthday: { day: 12, month: 4 },
    status: 'enrolled',
    points: { balance: 1450 },
    vipTierName: 'Silver',
    minimumVipTierName: 'Bronze',
    dateEnrolled: '2026-03-02T18:44:09.512Z', // unconfirmed name
    tierEnteredDate: '2026-07-19T11:05:51.004Z', // unconfirmed name
    tierExpiryDate: '2027-07-19T11:05:51.004Z', // unconfirmed name
    pointsExpiryDate: '2027-10-14T09:30:12.377Z', // unconfirmed name
  };
}

const loyaltyCustomerCreate = loyaltyCustomer(LOYALTY_CUSTOMER_ID, CUSTOMER_MAYA);
const loyaltyCustomerFixtures = lifecycle(
  'loyalty_customer',
  LOYALTY_CUSTOMER_ID,
  ['903417256', '903417981', '903422410'],
  {
    create: loyaltyCustomerCreate,
    // An order pushes her over the Gold threshold.
    update: {
      ...loyaltyCustomerCreate,
      points: { balance: 2620 },
      vipTierName: 'Gold',
      minimumVipTierName: 'Silver',
      tierEnteredDate: '2026-10-20T16:12:40.288Z',
      tierExpiryDate: '2027-10-20T16:12:40.288Z',
      pointsExpiryDate: '2027-10-20T16:12:40.288Z',
    },
    delete: { loyaltyCustomerId: LOYALTY_CUSTOMER_ID },
  },
);

// ---------------------------------------------------------------------------------------------------
// loyalty transactions: adjustment is documented; earning and redemption add guessed fields

function transaction(
  loyaltyTransactionId: string,
  loyaltyCustomerId: string,
  customer: Resource,
  fields: Resource,
): Resource {
  return {
    subscriberId: SUBSCRIBER_ID,
    loyaltyCustomerId,
    loyaltyTransactionId,
    customer,
    ...fields,
  };
}

function deletedTransaction(loyaltyTransactionId: string, loyaltyCustomerId: string): Resource {
  return { subscriberId: SUBSCRIBER_ID, loyaltyTransactionId, loyaltyCustomerId };
}

const ADJUSTMENT_ID = '0a7c3e95-2b8d-4f61-9c4e-d3b1f8a62e07';
const adjustmentCreate = transaction(ADJUSTMENT_ID, LOYALTY_CUSTOMER_ID, CUSTOMER_MAYA, {
  amount: 250,
  date: '2026-10-15T10:03:27.641Z',
  internalReason: 'Goodwill: parcel arrived 6 days late (ticket #48213)',
  notificationText: 'We have added 250 points to your account as a thank-you for your patience.',
  status: 'complete',
});
const adjustmentFixtures = lifecycle(
  'loyalty_adjustment_transaction',
  ADJUSTMENT_ID,
  ['611208734', '611209102', '611215877'],
  {
    create: adjustmentCreate,
    // Support corrects the wording of the note.
    update: {
      ...adjustmentCreate,
      internalReason: 'Goodwill: parcel arrived 6 days late (ticket #48213, approved by Jo)',
      notificationText: 'Sorry for the wait! We have added 250 points to your account.',
    },
    delete: deletedTransaction(ADJUSTMENT_ID, LOYALTY_CUSTOMER_ID),
  },
);

const EARNING_ID = '7e4b1d08-9a6c-4e35-b2f7-c81d0e5a3f96';
const earningCreate = transaction(EARNING_ID, LOYALTY_CUSTOMER_ID, CUSTOMER_MAYA, {
  amount: 1170,
  date: '2026-10-20T16:12:39.854Z',
  internalReason: 'Order #10517',
  notificationText: 'You earned 1170 points for order #10517.',
  status: 'pending', // points held until the return window closes (status values unconfirmed)
  action: 'place_order', // unconfirmed name and values
  points: 1170, // unconfirmed name
});
const earningFixtures = lifecycle(
  'loyalty_earning_transaction',
  EARNING_ID,
  ['2087345120', '2087346003', '2087351298'],
  {
    create: earningCreate,
    update: { ...earningCreate, status: 'complete' },
    delete: deletedTransaction(EARNING_ID, LOYALTY_CUSTOMER_ID),
  },
);

const REDEMPTION_ID = 'b36f9a2c-4d1e-4b7a-8f05-1e9c7d3a6b28';
const redemptionCreate = transaction(REDEMPTION_ID, LOYALTY_CUSTOMER_ID, CUSTOMER_MAYA, {
  amount: -1000,
  date: '2026-10-22T08:47:15.309Z',
  internalReason: 'Reward redeemed in the loyalty widget',
  notificationText: 'You redeemed 1000 points for $10 off your next order.',
  status: 'complete',
  // Only `description` is named by the help centre; the rest is a guess.
  reward: {
    description: '$10 off your next order',
    type: 'fixed_amount_discount',
    value: 10,
    code: 'LOYAL-8K2D-QX7P',
  },
  pointsSpent: 1000, // unconfirmed name
});
const redemptionFixtures = lifecycle(
  'loyalty_redemption_transaction',
  REDEMPTION_ID,
  ['774501239', '774503871', '774510022'],
  {
    create: redemptionCreate,
    // The discount code was refunded to points (status value unconfirmed).
    update: {
      ...redemptionCreate,
      status: 'refunded',
      notificationText: 'Your $10 reward was cancelled and 1000 points were returned.',
    },
    delete: deletedTransaction(REDEMPTION_ID, LOYALTY_CUSTOMER_ID),
  },
);

// ---------------------------------------------------------------------------------------------------
// quiz_response (no published payload: every name below is unconfirmed, taken from the help centre list)

const QUIZ_ID = '2c8e5f17-3a9d-4b62-a0f4-9d7b1c6e8a35';
const QUIZ_RESPONSE_ID = 'f0d63b9e-8c27-4a1f-9e5b-4a2c7d8f1e63';

const quizCreate: Resource = {
  quizResponseId: QUIZ_RESPONSE_ID,
  quizId: QUIZ_ID,
  quizName: 'Find your perfect skincare routine',
  dateCreated: '2026-10-16T19:38:02.775Z',
  customer: CUSTOMER_LIAM,
  order: { orderId: 'shopify-5829302104281' },
  marketingOptIn: false,
  answeredQuestions: [
    {
      id: '6a1f4c93-0e7b-4d28-b5a9-3c8e2f7d0b14',
      text: 'How would you describe your skin?',
      answer: 'Oily',
    },
    {
      id: 'd7b20e5a-9f3c-4e81-a6d2-8b4f1c0e7a59',
      text: 'Which concerns would you like to target?',
      answer: ['Breakouts', 'Large pores'],
    },
  ],
  productRecommendations: [
    { productId: CLAY_MASK.productId, variantIds: [CLAY_MASK.variantId], isRunnerUp: false, points: 18 },
    { productId: SERUM.productId, variantIds: [SERUM.variantId], isRunnerUp: true, points: 11 },
  ],
  reward: { description: '10% off your first order', type: 'percentage_discount', value: 10 },
};

const quizFixtures = lifecycle('quiz_response', QUIZ_RESPONSE_ID, ['358120947', '358121560', '358129013'], {
  create: quizCreate,
  // The shopper ticks the newsletter box on the results page.
  update: { ...quizCreate, marketingOptIn: true },
  delete: { quizResponseId: QUIZ_RESPONSE_ID, quizId: QUIZ_ID },
});

// ---------------------------------------------------------------------------------------------------
// survey_response (names from a public consumer's types, not from Okendo's docs)

const SURVEY_ID = '9e3a7c1f-5b08-4d6e-8a2b-f1c4e9d7b360';
const SURVEY_RESPONSE_ID = '4b9d2e6f-1c7a-4f35-9d80-e7a3b5c1f942';
const ATTRIBUTION_QUESTION_ID = 'a5c1e8f3-7d29-4b06-b4e1-0f6d9a2c8e75';
const NPS_QUESTION_ID = '1d8f3a6c-2e94-4b7d-8c05-b9e1a4f7d263';

function surveyQuestions(attribution: string, comment: string): Resource[] {
  return [
    {
      id: ATTRIBUTION_QUESTION_ID,
      type: 'single-choice', // type values unconfirmed
      text: 'How did you hear about us?',
      answer: attribution,
    },
    {
      id: '7f2b6d9e-4a13-4c58-9e7f-2d0b8c5a1e36',
      type: 'multiple-choice',
      text: 'Which products are you most excited to try?',
      answer: ['Face serum', 'Night cream'],
    },
    {
      id: NPS_QUESTION_ID,
      type: 'nps',
      text: 'How likely are you to recommend us to a friend?',
      answer: '9',
      answerNpsCategory: 'promoter',
    },
    {
      id: 'c3e9a1d7-8b52-4f0c-a6e4-5d1f7b9c2a80',
      type: 'date',
      text: 'When is your birthday? We will send you a treat.',
      answer: { type: 'date', value: '1991-04-12' },
      profileQuestionId: '0e6b4d2a-9c71-4f8e-b3d5-6a2c8f1e9b47',
    },
    {
      id: '5a0d8c3e-6f47-4b19-8d2a-c7e5b1f9a364',
      type: 'free-text',
      text: 'Anything else you would like to tell us?',
      answer: comment,
    },
    {
      id: 'e8f4b2c6-3d90-4a7e-b1c5-9f2a6d0e8b13',
      type: 'single-choice',
      text: 'Would you like early access to new launches?',
      answer: 'Yes please',
      marketingOptIn: true,
    },
  ];
}

const surveyCreate: Resource = {
  subscriberId: SUBSCRIBER_ID,
  surveyResponseId: SURVEY_RESPONSE_ID,
  surveyId: SURVEY_ID,
  surveyName: 'Post-purchase survey',
  dateCreated: '2026-10-14T09:24:51.066Z',
  channel: 'post_purchase',
  channelSurveyId: '62d7a0f5-b8e3-4c19-9a4d-3e1f6b8c0d27',
  channelSurveyDescription: 'Thank-you page survey',
  customer: CUSTOMER_PRIYA,
  order: { remoteOrderId: '5829301809369' },
  answeredQuestions: surveyQuestions('Instagram', 'Packaging was lovely.'),
  reward: { description: '10% off your next order', type: 'percentage_discount', value: '10' },
};

const surveyFixtures = lifecycle(
  'survey_response',
  SURVEY_RESPONSE_ID,
  ['1290457731', '1290458116', '1290466402'],
  {
    create: surveyCreate,
    // The shopper edits her free-text answer.
    update: {
      ...surveyCreate,
      answeredQuestions: surveyQuestions(
        'Instagram',
        'Packaging was lovely, but the pump on the serum sticks a little.',
      ),
    },
    delete: { subscriberId: SUBSCRIBER_ID, surveyResponseId: SURVEY_RESPONSE_ID, surveyId: SURVEY_ID },
  },
);

/** Every resource type x create/update/delete (7 x 3 = 21). */
export const FIXTURES: readonly WebhookFixture[] = [
  ...reviewFixtures,
  ...loyaltyCustomerFixtures,
  ...adjustmentFixtures,
  ...earningFixtures,
  ...redemptionFixtures,
  ...quizFixtures,
  ...surveyFixtures,
];

// ---------------------------------------------------------------------------------------------------
// Edge cases

// Built from code points so the joiners survive editors that strip invisible characters.
const ZWJ = '\u200D';
const FAMILY = ['\u{1F468}', '\u{1F469}', '\u{1F467}', '\u{1F466}'].join(ZWJ);
const THUMBS_UP_MEDIUM = '\u{1F44D}\u{1F3FD}';

const unicodeReviewId = 'a2f7c9e4-6b1d-4e83-9f52-7c0a3d8e1b96';
const unicodeReview = fixture('edge.review-unicode', 'review', 'create', unicodeReviewId, '1742102230', {
  ...fullReview(unicodeReviewId),
  title: `Ça marche ${THUMBS_UP_MEDIUM} 肌がしっとり`,
  body: [
    `Toute la famille l'utilise ${FAMILY}.`,
    '使い始めて二週間で、乾燥がかなり落ち着きました。香りも優しいです。',
    'منتج رائع، بشرتي أصبحت أنعم بكثير. أنصح به بشدة!',
    'Straße, naïve, Zoë, Øresund, Ελληνικά, עברית, 한국어 ✨',
  ].join('\n'),
  reviewer: {
    name: `Zoë 山田 ${FAMILY}`,
    displayName: 'زوي ي.',
    email: 'zoe.yamada@example.com',
    isVerified: true,
    verifiedStatus: 'verifiedBuyer',
    avatarUrl: 'https://media.example.com/avatars/zoe-yamada.jpg',
    socialConnection: 'none',
    location: { country: { code: 'JP', name: '日本' }, zoneCode: '13' },
    attributes: [{ title: 'Type de peau', type: 'single-value', value: 'Sèche' }],
  },
});

const htmlReviewId = '3e8a1d6f-0c95-4b27-a4e8-d6f2b9c1a073';
const htmlReview = fixture('edge.review-html', 'review', 'create', htmlReviewId, '1742102575', {
  ...fullReview(htmlReviewId),
  title: 'Great "serum" \\ <b>not bold</b> & more',
  body: '<p>Works well &amp; smells nice.</p><script>alert(1)</script><p>She said "wow" \\o/ and it\'s 100% C:\\Users\\me</p>',
  reply: {
    body: '<p>Thanks! We\'ve <a href="https://shop.example.com/care?x=1&amp;y=2">updated the guide</a>.</p><script>alert("reply")</script><p>Path: C:\\temp\\ &lt;ok&gt;</p>',
    rawBody: 'Thanks! We\'ve updated the guide. Path: C:\\temp\\ <ok> "quoted"',
    dateCreated: '2026-10-14T15:40:12.511Z',
    isPrivate: false,
  },
});

const LONG_SENTENCES = [
  'I was sceptical at first because so many serums promise the world and deliver a sticky film.',
  'This one absorbs in under a minute and leaves my cheeks soft rather than greasy.',
  'The pump dispenses exactly enough for the whole face and neck, which I appreciate.',
  'After a week the dry patches around my chin had mostly disappeared.',
  'My partner started stealing it, so I had to order a second bottle — that says a lot.',
  'It layers well under SPF 50 and does not pill, even with mineral sunscreen.',
  'The rose scent is subtle; if you hate fragrance you will probably still be fine.',
  'Delivery took four days, and the box was fully recyclable, which is a nice touch.',
  'I tried it on a patch of skin first because I react to almost everything: no redness at all.',
  'On humid days I skip moisturiser entirely and this is enough on its own.',
  'Price-wise it is not cheap, but one bottle lasts me nearly three months at the café-table routine I follow.',
];

/**
 * ~targetChars of varied prose. Each paragraph picks three sentences by a mixed-radix walk, so no two
 * paragraphs in the first 1,210 repeat the same combination (compressible but not block-repetitive).
 */
function longReviewBody(targetChars: number): string {
  const n = LONG_SENTENCES.length;
  const sentence = (index: number): string => LONG_SENTENCES[index % n] ?? '';
  const paragraphs: string[] = [];
  let length = 0;
  for (let i = 0; length < targetChars; i++) {
    const first = i % n;
    const second = first + 1 + (Math.floor(i / n) % (n - 1)); // never equal to first
    const third = Math.floor(i / (n * (n - 1)));
    const paragraph = `Day ${i + 1}: ${sentence(first)} ${sentence(second)} ${sentence(third)}`;
    paragraphs.push(paragraph);
    length += paragraph.length + 2;
  }
  return paragraphs.join('\n\n');
}

const longReviewId = 'c9b4e7a1-2f6d-4c80-b3e9-1a5d8f2c7e04';
const longReview = fixture('edge.review-long', 'review', 'create', longReviewId, '1742103019', {
  ...fullReview(longReviewId),
  title: 'A detailed three-month diary',
  body: longReviewBody(200_000),
});

const manyMediaReviewId = '6f0d3b8e-a4c2-4e71-9b56-e2c8a1f4d937';
const MANY_MEDIA_STREAM_IDS = [
  '11a4c7e2-3b9d-4f60-8e15-a2c9d4f7b031',
  '22b5d8f3-4cae-4071-9f26-b3dae5081c42',
  '33c6e904-5dbf-4182-a037-c4ebf6192d53',
  '44d7fa15-6ec0-4293-b148-d5fc072a3e64',
  '55e80b26-7fd1-43a4-8259-e60d183b4f75',
  '66f91c37-80e2-44b5-936a-f71e294c5086',
  '77a02d48-91f3-45c6-a47b-082f3a5d6197',
  '88b13e59-a204-46d7-b58c-193a4b6e72a8',
  '99c24f6a-b315-47e8-869d-2a4b5c7f83b9',
  'aad3507b-c426-48f9-97ae-3b5c6d8094ca',
  'bbe4618c-d537-490a-a8bf-4c6d7e91a5db',
  'ccf5729d-e648-4a1b-b9c0-5d7e8fa2b6ec',
];
const manyMediaReview = fixture('edge.review-12-media', 'review', 'create', manyMediaReviewId, '1742103388', {
  ...fullReview(manyMediaReviewId),
  title: 'Before and after photos, week by week',
  // Every third item is a video; the merchant hid the last one.
  media: MANY_MEDIA_STREAM_IDS.map((streamId, i) =>
    mediaItem(streamId, i % 3 === 2 ? 'video' : 'image', i === MANY_MEDIA_STREAM_IDS.length - 1),
  ),
});

// Only required fields: no variantId, sentiment, tags, media, reply, reward, order or reviewer.location.
const minimalReviewId = '0b7e2a5d-c813-4f96-a2d7-8e4b1f6c3a59';
const minimalReview = fixture('edge.review-minimal', 'review', 'create', minimalReviewId, '1742103760', {
  subscriberId: SUBSCRIBER_ID,
  reviewId: minimalReviewId,
  productId: NIGHT_CREAM.productId,
  productName: 'Overnight Repair Cream 50 ml',
  rating: 3,
  title: 'Fine',
  body: 'Does the job.',
  status: 'pending',
  containsProfanity: false,
  isRecommended: false,
  helpfulCount: 0,
  unhelpfulCount: 0,
  dateCreated: '2026-10-17T22:08:14.093Z',
  attributesWithRating: [],
  productAttributes: [],
  reviewer: {
    name: 'Sam Carter',
    displayName: 'Sam C.',
    email: 'sam.carter@example.com',
    isVerified: false,
    verifiedStatus: 'unverified',
    avatarUrl: 'https://media.example.com/avatars/default.png',
    socialConnection: 'none',
    attributes: [],
  },
});

// Fields Okendo might add later: consumers must keep them in the raw payload, not fail.
const futureReviewId = 'd4a8f1c6-7e3b-4925-8c0f-b5e9d2a7c148';
const futureReviewBase = fullReview(futureReviewId);
const futureReview = fixture('edge.review-unknown-fields', 'review', 'update', futureReviewId, '1742104102', {
  ...futureReviewBase,
  status: 'approved',
  newFieldFrom2027: { aiSummary: 'Calming, light serum', confidence: 0.91, labels: ['redness', 'texture'] },
  translations: [{ locale: 'fr-FR', title: 'Ma peau n’a jamais été aussi apaisée' }],
  reviewer: {
    ...(futureReviewBase['reviewer'] as Resource),
    newFieldFrom2027: { loyaltyTier: 'Gold', pronouns: 'she/her' },
  },
  order: { orderId: 'shopify-5829302137049', orderNumber: '#10533', salesChannel: 'pos' },
});

const futureSurveyResponseId = '8c5f2d9a-b6e1-4073-9a4c-f3d7e0b8a216';
const futureSurvey = fixture(
  'edge.survey_response-unknown-fields',
  'survey_response',
  'create',
  futureSurveyResponseId,
  '1290467015',
  {
    ...surveyCreate,
    surveyResponseId: futureSurveyResponseId,
    dateCreated: '2026-10-18T12:51:37.420Z',
    channel: 'email',
    channelSurveyId: '3a9e6c2f-d5b8-4e17-8f0a-c2d6b9e4a785',
    answeredQuestions: [
      ...surveyQuestions('Podcast', 'Heard about you on a skincare podcast.').map((q) =>
        q['id'] === NPS_QUESTION_ID ? { ...q, newFieldFrom2027: { scaleVersion: 2 } } : q,
      ),
      {
        id: 'f6b0d3e9-2a7c-4d58-b1e4-7c9a0f3d6e52',
        type: 'image-choice', // a question type we do not know yet
        text: 'Which packaging do you prefer?',
        answer: { type: 'image', value: 'https://media.example.com/surveys/pack-b.jpg', altText: 'Pack B' },
      },
    ],
    newFieldFrom2027: { surveyVersion: 4, experiment: { id: 'exp-77', arm: 'B' } },
  },
);

// Sequence numbers past 2^53 (9007199254740992) lose precision as JS numbers: parse as unsigned 64-bit.
const bigSeqLoyaltyCustomerId = '1f6c9b3e-4d82-4a07-b5e1-9a3c7f0d2e68';
const bigSeqLoyaltyCustomer = fixture(
  'edge.loyalty_customer-seq-above-2pow53',
  'loyalty_customer',
  'update',
  bigSeqLoyaltyCustomerId,
  '9007199254740993',
  {
    ...loyaltyCustomer(bigSeqLoyaltyCustomerId, CUSTOMER_LIAM),
    birthday: { day: 29 }, // month is optional in the docs
  },
);

const maxSeqReviewId = '5b2d8e0a-f739-4c61-ae84-6d1b3c9f7a20';
const maxSeqReview = fixture(
  'edge.review-seq-int64-max',
  'review',
  'update',
  maxSeqReviewId,
  '9223372036854775807', // signed 64-bit max: the largest we promise to store
  { ...fullReview(maxSeqReviewId), status: 'approved', helpfulCount: 2 },
);

// Hand-written wire text: resource first, tabs, CRLF, spaces before colons, a \u escape and `250.0`.
// JSON.parse + JSON.stringify would change every one of these, so byte-exact handling is provable.
const rawWhitespaceTransactionId = '2e7a0c4f-9b5d-4e18-a3f6-0d8c1b7e5a93';
const RAW_WHITESPACE_BODY = [
  '{\r\n',
  '\t"resource" :\t{\r\n',
  `\t\t"loyaltyTransactionId" : "${rawWhitespaceTransactionId}",\n`,
  `\t\t"subscriberId":"${SUBSCRIBER_ID}",  "loyaltyCustomerId": "${LOYALTY_CUSTOMER_ID}",\r\n`,
  `\t\t"customer" : { "customerId" : "${CUSTOMER_MAYA.customerId}" , "email" : "${CUSTOMER_MAYA.email}" },\n`,
  '\t\t"amount" : 250.0,\n',
  '\t\t"points"\t:\t250 ,\n',
  '\t\t"action" : "write_review",\n',
  '\t\t"date" : "2026-10-23T07:15:02.118Z",\n',
  '\t\t"internalReason" : "Review reward",\n',
  '\t\t"notificationText" : "Merci \\u00e0 vous \\/ thanks for your review!",\n',
  '\t\t"status" : "complete"\n',
  '\t} ,\r\n',
  '   "version":"2025-02-01",\n',
  '\n',
  '  "topic"   : "create",\t"resourceType" : "loyalty_earning_transaction",\r\n',
  '  "sequenceNumber" : "2087352044"\r\n',
  '}\r\n',
].join('');
const rawWhitespace: WebhookFixture = {
  name: 'edge.loyalty_earning_transaction-raw-whitespace',
  resourceType: 'loyalty_earning_transaction',
  topic: 'create',
  entityId: rawWhitespaceTransactionId,
  sequenceNumber: '2087352044',
  body: RAW_WHITESPACE_BODY,
};

// ---------------------------------------------------------------------------------------------------
// Shapes the lifecycles above do not show: every survey answer shape public consumers handle, the guessed
// loyalty member names, transaction amounts of either sign. Each comes as a create and an update of its own
// entity; the creates are edge cases, and traffic mixes all of them in (TRAFFIC_SHAPE_VARIANTS).

/** create and update of one entity; the update changes what `change` says. */
function createAndUpdate(
  name: string,
  resourceType: string,
  entityId: string,
  sequenceNumbers: readonly [create: string, update: string],
  create: Resource,
  change: Resource,
): readonly [WebhookFixture, WebhookFixture] {
  return [
    fixture(`edge.${resourceType}-${name}`, resourceType, 'create', entityId, sequenceNumbers[0], create),
    fixture(`variant.${resourceType}-${name}.update`, resourceType, 'update', entityId, sequenceNumbers[1], {
      ...create,
      ...change,
    }),
  ];
}

const EVERY_SHAPE_SURVEY_RESPONSE_ID = '2d6f9b1e-7c4a-4e83-9a5d-c1b8e3f70a46';

/** One answered question per answer shape; ids are stable so tests can name them. */
export const ANSWER_SHAPE_QUESTIONS: readonly Readonly<Record<string, unknown>>[] = [
  { id: 'shape-string', type: 'single-choice', text: 'How did you hear about us?', answer: 'TikTok' },
  {
    id: 'shape-string-list',
    type: 'multiple-choice',
    text: 'Which products are you most excited to try?',
    answer: ['Face serum', 'Night cream'],
  },
  {
    id: 'shape-number',
    type: 'nps',
    text: 'How likely are you to recommend us to a friend?',
    answer: 10,
    answerNpsCategory: 'promoter',
  },
  { id: 'shape-numeric-string', type: 'rating', text: 'How would you rate the packaging?', answer: '4' },
  { id: 'shape-boolean', type: 'yes-no', text: 'Would you buy from us again?', answer: true },
  {
    id: 'shape-typed-string',
    type: 'free-text',
    text: 'What did you like most?',
    answer: { type: 'text', value: 'The pump bottle' },
  },
  {
    id: 'shape-typed-number',
    type: 'nps',
    text: 'How likely are you to recommend the serum?',
    answer: { type: 'nps', value: 6 },
    answerNpsCategory: 'detractor',
  },
  {
    id: 'shape-typed-list',
    type: 'multiple-choice',
    text: 'Where do you follow us?',
    answer: { type: 'multiple-choice', value: ['Instagram', 'A friend'] },
  },
  {
    id: 'shape-typed-boolean',
    type: 'yes-no',
    text: 'Was your order on time?',
    answer: { type: 'boolean', value: false },
  },
  {
    id: 'shape-typed-object',
    type: 'address',
    text: 'Where should we send your sample?',
    answer: { type: 'address', value: { city: 'Leeds', countryCode: 'GB' } },
  },
  {
    id: 'shape-typed-null',
    type: 'date',
    text: 'When is your birthday? (optional)',
    answer: { type: 'date', value: null },
  },
  {
    id: 'shape-custom',
    type: 'single-choice',
    text: 'What made you buy today?',
    answer: 'Other',
    customAnswer: 'A podcast ad',
    customAnswerOptionText: 'Other (please specify)',
  },
  { id: 'shape-null', type: 'free-text', text: 'Anything else?', answer: null },
];

const [everyShapeSurvey, everyShapeSurveyUpdate] = createAndUpdate(
  'every-answer-shape',
  'survey_response',
  EVERY_SHAPE_SURVEY_RESPONSE_ID,
  ['1290467588', '1290468120'],
  {
    ...surveyCreate,
    surveyResponseId: EVERY_SHAPE_SURVEY_RESPONSE_ID,
    channel: 'email',
    channelSurveyDescription: 'Post-delivery email survey',
    answeredQuestions: ANSWER_SHAPE_QUESTIONS,
  },
  { answeredQuestions: ANSWER_SHAPE_QUESTIONS.slice(0, 8) },
);

// The names we guessed before the REST API's were known: still read when the REST ones are absent.
const guessedNamesLoyaltyCustomerId = '9b3e5d71-0a2c-4f86-8e4b-6d1f7a9c2e05';
const [guessedNamesLoyaltyCustomer, guessedNamesLoyaltyCustomerUpdate] = createAndUpdate(
  'guessed-names',
  'loyalty_customer',
  guessedNamesLoyaltyCustomerId,
  ['903423077', '903423514'],
  {
    ...loyaltyCustomer(guessedNamesLoyaltyCustomerId, CUSTOMER_LIAM),
    // JSON.stringify leaves out undefined: the body carries only the guessed names
    points: undefined,
    vipTierName: undefined,
    minimumVipTierName: undefined,
    pointsBalance: 380,
    vipTier: { name: 'Bronze' },
  },
  { pointsBalance: 530 },
);

// Okendo documents only the adjustment's sign (negative removes points); a redemption may as well carry the
// points spent as a positive amount.
const positiveRedemptionId = 'c7a1e4f9-3b6d-4a20-9e8c-5f2d0b7a1c63';
const [positiveRedemption, positiveRedemptionUpdate] = createAndUpdate(
  'positive-amount',
  'loyalty_redemption_transaction',
  positiveRedemptionId,
  ['774511406', '774512093'],
  transaction(positiveRedemptionId, LOYALTY_CUSTOMER_ID, CUSTOMER_MAYA, {
    amount: 500,
    date: '2026-10-24T12:30:44.512Z',
    notificationText: 'You redeemed 500 points for free shipping.',
    status: 'complete',
    reward: { description: 'Free shipping', type: 'free_shipping' },
  }),
  { status: 'refunded' },
);

const negativeAdjustmentId = '4f8b2c6e-1d9a-4e73-b5c0-a2e7d3f91b48';
const [negativeAdjustment, negativeAdjustmentUpdate] = createAndUpdate(
  'negative-amount',
  'loyalty_adjustment_transaction',
  negativeAdjustmentId,
  ['611216342', '611216990'],
  transaction(negativeAdjustmentId, LOYALTY_CUSTOMER_ID, CUSTOMER_MAYA, {
    amount: -120,
    date: '2026-10-25T09:14:05.208Z',
    internalReason: 'Order #10517 partly refunded',
    notificationText: 'We removed 120 points after your refund.',
    status: 'complete',
  }),
  { internalReason: 'Order #10517 partly refunded (ticket #48377)' },
);

/** Every shape above as a create and an update: traffic sends these as well as the lifecycles. */
export const TRAFFIC_SHAPE_VARIANTS: readonly WebhookFixture[] = [
  everyShapeSurvey,
  everyShapeSurveyUpdate,
  guessedNamesLoyaltyCustomer,
  guessedNamesLoyaltyCustomerUpdate,
  positiveRedemption,
  positiveRedemptionUpdate,
  negativeAdjustment,
  negativeAdjustmentUpdate,
];

/** Awkward but valid deliveries; each has its own entity id. */
export const EDGE_CASE_FIXTURES: readonly WebhookFixture[] = [
  unicodeReview,
  htmlReview,
  longReview,
  manyMediaReview,
  minimalReview,
  futureReview,
  futureSurvey,
  bigSeqLoyaltyCustomer,
  maxSeqReview,
  rawWhitespace,
  everyShapeSurvey,
  guessedNamesLoyaltyCustomer,
  positiveRedemption,
  negativeAdjustment,
];
