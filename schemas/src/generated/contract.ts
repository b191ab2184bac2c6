// GENERATED from schemas/avro/*.avsc by schemas/src/codegen/generate.ts: do not edit.
// Change the .avsc files, then run `npm run schemas:generate`.

/** schemas/avro/dead-letter.avsc */
export const deadLetterSchema = {
  "type": "record",
  "name": "DeadLetter",
  "namespace": "io.okendo.pipeline",
  "doc": "A message the sink could not turn into rows (undecodable envelope, invalid JSON, a field of the wrong type) or that ClickHouse permanently refused, parked on the dead_letter topic (key: the origin message's key) with the error. The origin Kafka value travels untouched, so it can be replayed once the cause is fixed.",
  "fields": [
    {
      "name": "error",
      "type": "string",
      "doc": "what was wrong, for a person"
    },
    {
      "name": "failedAtMs",
      "type": "long",
      "doc": "when the sink gave up on it, milliseconds since the epoch"
    },
    {
      "name": "originTopic",
      "type": "string"
    },
    {
      "name": "originPartition",
      "type": "int"
    },
    {
      "name": "originOffset",
      "type": "long"
    },
    {
      "name": "messageId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "from the envelope, when it decoded"
    },
    {
      "name": "source",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "resourceType",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "entityId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "sequenceNumber",
      "type": [
        "null",
        "long"
      ],
      "default": null
    },
    {
      "name": "originValue",
      "type": "bytes",
      "doc": "the origin Kafka message value, byte for byte; only its first bytes when originTruncated"
    },
    {
      "name": "originSizeBytes",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "size of the whole origin value (null in letters written before this field)"
    },
    {
      "name": "originSha256",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "hex SHA-256 of the whole origin value, to match a truncated letter with its origin"
    },
    {
      "name": "originTruncated",
      "type": "boolean",
      "default": false,
      "doc": "true when originValue was cut to fit the dead_letter topic's max.message.bytes; the whole value is still at its origin topic, partition and offset until retention removes it"
    }
  ]
} as const;

/** A message the sink could not turn into rows (undecodable envelope, invalid JSON, a field of the wrong type) or that ClickHouse permanently refused, parked on the dead_letter topic (key: the origin message's key) with the error. The origin Kafka value travels untouched, so it can be replayed once the cause is fixed. */
export interface DeadLetter {
  /** what was wrong, for a person */
  error: string;
  /** when the sink gave up on it, milliseconds since the epoch */
  failedAtMs: bigint;
  originTopic: string;
  originPartition: number;
  originOffset: bigint;
  /** from the envelope, when it decoded */
  messageId: null | string;
  source: null | string;
  resourceType: null | string;
  entityId: null | string;
  sequenceNumber: null | bigint;
  /** the origin Kafka message value, byte for byte; only its first bytes when originTruncated */
  originValue: Buffer;
  /** size of the whole origin value (null in letters written before this field) */
  originSizeBytes: null | bigint;
  /** hex SHA-256 of the whole origin value, to match a truncated letter with its origin */
  originSha256: null | string;
  /** true when originValue was cut to fit the dead_letter topic's max.message.bytes; the whole value is still at its origin topic, partition and offset until retention removes it */
  originTruncated: boolean;
}

/** schemas/avro/envelope.avsc */
export const webhookEnvelopeSchema = {
  "type": "record",
  "name": "WebhookEnvelope",
  "namespace": "io.okendo.pipeline",
  "doc": "One verified Okendo webhook delivery, as the ingest publishes it to its resource type's topic (key: entityId). The raw body travels untouched, so a field not modelled yet is never lost.",
  "fields": [
    {
      "name": "messageId",
      "type": "string",
      "doc": "webhook-id (or svix-id) header: the same on every retry of a message; the dedupe key"
    },
    {
      "name": "senderTimestamp",
      "type": "long",
      "doc": "webhook-timestamp (or svix-timestamp) header: seconds since the epoch, when the sender signed it"
    },
    {
      "name": "receivedAtMs",
      "type": "long",
      "doc": "when the ingest received the request, milliseconds since the epoch"
    },
    {
      "name": "source",
      "type": "string",
      "doc": "which Okendo account sent it: the :source path segment, or 'default'"
    },
    {
      "name": "resourceType",
      "type": "string",
      "doc": "body.resourceType, e.g. review, loyalty_customer"
    },
    {
      "name": "topic",
      "type": {
        "type": "enum",
        "name": "WebhookTopic",
        "symbols": [
          "create",
          "update",
          "delete"
        ]
      },
      "doc": "body.topic"
    },
    {
      "name": "sequenceNumber",
      "type": "long",
      "doc": "body.sequenceNumber (a string of digits on the wire): orders the events of one entity"
    },
    {
      "name": "version",
      "type": "string",
      "doc": "body.version, the payload version, e.g. 2025-02-01"
    },
    {
      "name": "subscriberId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "body.resource.subscriberId when present: the merchant's Okendo user id"
    },
    {
      "name": "entityId",
      "type": "string",
      "doc": "the id of the entity the event is about (see entity-keys.ts); also the Kafka message key"
    },
    {
      "name": "rawBody",
      "type": "bytes",
      "doc": "the request body exactly as received and signed"
    }
  ]
} as const;

/** One verified Okendo webhook delivery, as the ingest publishes it to its resource type's topic (key: entityId). The raw body travels untouched, so a field not modelled yet is never lost. */
export interface WebhookEnvelope {
  /** webhook-id (or svix-id) header: the same on every retry of a message; the dedupe key */
  messageId: string;
  /** webhook-timestamp (or svix-timestamp) header: seconds since the epoch, when the sender signed it */
  senderTimestamp: bigint;
  /** when the ingest received the request, milliseconds since the epoch */
  receivedAtMs: bigint;
  /** which Okendo account sent it: the :source path segment, or 'default' */
  source: string;
  /** body.resourceType, e.g. review, loyalty_customer */
  resourceType: string;
  /** body.topic */
  topic: WebhookTopic;
  /** body.sequenceNumber (a string of digits on the wire): orders the events of one entity */
  sequenceNumber: bigint;
  /** body.version, the payload version, e.g. 2025-02-01 */
  version: string;
  /** body.resource.subscriberId when present: the merchant's Okendo user id */
  subscriberId: null | string;
  /** the id of the entity the event is about (see entity-keys.ts); also the Kafka message key */
  entityId: string;
  /** the request body exactly as received and signed */
  rawBody: Buffer;
}

export type WebhookTopic = 'create' | 'update' | 'delete';

/** schemas/avro/loyalty-customer.avsc */
export const loyaltyCustomerSchema = {
  "type": "record",
  "name": "LoyaltyCustomer",
  "namespace": "io.okendo.pipeline.resources",
  "doc": "A loyalty programme member (resourceType 'loyalty_customer'). Only loyaltyCustomerId, customer and birthday are documented by Okendo; the other names follow the help centre and are unconfirmed, hence optional.",
  "fields": [
    {
      "name": "loyaltyCustomerId",
      "type": "string"
    },
    {
      "name": "subscriberId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "customerId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "customer.customerId"
    },
    {
      "name": "birthdayDay",
      "type": [
        "null",
        "int"
      ],
      "default": null,
      "doc": "birthday.day"
    },
    {
      "name": "birthdayMonth",
      "type": [
        "null",
        "int"
      ],
      "default": null,
      "doc": "birthday.month"
    },
    {
      "name": "status",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "pending | enrolled | blocked (name as in the REST API)"
    },
    {
      "name": "pointsBalance",
      "type": [
        "null",
        "double"
      ],
      "default": null,
      "doc": "points.balance (REST API name), else pointsBalance (a guess)"
    },
    {
      "name": "vipTierName",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "vipTierName (REST API name), else vipTier.name (a guess)"
    },
    {
      "name": "minimumVipTierName",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "minimumVipTierName (REST API name): the lowest tier the member keeps"
    },
    {
      "name": "dateEnrolled",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds (unconfirmed)",
      "timestamp": true
    },
    {
      "name": "tierEnteredDate",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds (unconfirmed)",
      "timestamp": true
    },
    {
      "name": "tierExpiryDate",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds (unconfirmed)",
      "timestamp": true
    },
    {
      "name": "pointsExpiryDate",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds (unconfirmed)",
      "timestamp": true
    },
    {
      "name": "mappingIssues",
      "type": {
        "type": "array",
        "items": "string"
      },
      "default": [],
      "doc": "what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md)"
    }
  ]
} as const;

/** A loyalty programme member (resourceType 'loyalty_customer'). Only loyaltyCustomerId, customer and birthday are documented by Okendo; the other names follow the help centre and are unconfirmed, hence optional. */
export interface LoyaltyCustomer {
  loyaltyCustomerId: string;
  subscriberId: null | string;
  /** customer.customerId */
  customerId: null | string;
  /** birthday.day */
  birthdayDay: null | number;
  /** birthday.month */
  birthdayMonth: null | number;
  /** pending | enrolled | blocked (name as in the REST API) */
  status: null | string;
  /** points.balance (REST API name), else pointsBalance (a guess) */
  pointsBalance: null | number;
  /** vipTierName (REST API name), else vipTier.name (a guess) */
  vipTierName: null | string;
  /** minimumVipTierName (REST API name): the lowest tier the member keeps */
  minimumVipTierName: null | string;
  /** epoch milliseconds (unconfirmed) */
  dateEnrolled: null | bigint;
  /** epoch milliseconds (unconfirmed) */
  tierEnteredDate: null | bigint;
  /** epoch milliseconds (unconfirmed) */
  tierExpiryDate: null | bigint;
  /** epoch milliseconds (unconfirmed) */
  pointsExpiryDate: null | bigint;
  /** what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md) */
  mappingIssues: string[];
}

/** schemas/avro/loyalty-transaction.avsc */
export const loyaltyTransactionSchema = {
  "type": "record",
  "name": "LoyaltyTransaction",
  "namespace": "io.okendo.pipeline.resources",
  "doc": "A loyalty points transaction. One record for the three resource types loyalty_adjustment_transaction, loyalty_earning_transaction and loyalty_redemption_transaction, told apart by kind; the kind-specific fields are optional. Only the adjustment shape is documented by Okendo; earning and redemption field names are unconfirmed.",
  "fields": [
    {
      "name": "kind",
      "type": {
        "type": "enum",
        "name": "LoyaltyTransactionKind",
        "symbols": [
          "adjustment",
          "earning",
          "redemption"
        ]
      }
    },
    {
      "name": "loyaltyTransactionId",
      "type": "string"
    },
    {
      "name": "subscriberId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "loyaltyCustomerId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "customerId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "customer.customerId"
    },
    {
      "name": "amount",
      "type": [
        "null",
        "double"
      ],
      "default": null,
      "doc": "the points of the transaction, as sent, for all three kinds"
    },
    {
      "name": "pointsDelta",
      "type": [
        "null",
        "double"
      ],
      "default": null,
      "doc": "the change to the member's balance: earning +|amount|, redemption -|amount|, adjustment amount as sent; sum() per member is the net"
    },
    {
      "name": "date",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds, from ISO-8601",
      "timestamp": true
    },
    {
      "name": "status",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "e.g. complete"
    },
    {
      "name": "notificationText",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "internalReason",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "adjustment only"
    },
    {
      "name": "action",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "earning only: what earned the points (unconfirmed name)"
    },
    {
      "name": "points",
      "type": [
        "null",
        "double"
      ],
      "default": null,
      "doc": "earning only (unconfirmed name)"
    },
    {
      "name": "rewardDescription",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "redemption only: reward.description (unconfirmed)"
    },
    {
      "name": "pointsSpent",
      "type": [
        "null",
        "double"
      ],
      "default": null,
      "doc": "redemption only (unconfirmed name)"
    },
    {
      "name": "mappingIssues",
      "type": {
        "type": "array",
        "items": "string"
      },
      "default": [],
      "doc": "what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md)"
    }
  ]
} as const;

/** A loyalty points transaction. One record for the three resource types loyalty_adjustment_transaction, loyalty_earning_transaction and loyalty_redemption_transaction, told apart by kind; the kind-specific fields are optional. Only the adjustment shape is documented by Okendo; earning and redemption field names are unconfirmed. */
export interface LoyaltyTransaction {
  kind: LoyaltyTransactionKind;
  loyaltyTransactionId: string;
  subscriberId: null | string;
  loyaltyCustomerId: null | string;
  /** customer.customerId */
  customerId: null | string;
  /** the points of the transaction, as sent, for all three kinds */
  amount: null | number;
  /** the change to the member's balance: earning +|amount|, redemption -|amount|, adjustment amount as sent; sum() per member is the net */
  pointsDelta: null | number;
  /** epoch milliseconds, from ISO-8601 */
  date: null | bigint;
  /** e.g. complete */
  status: null | string;
  notificationText: null | string;
  /** adjustment only */
  internalReason: null | string;
  /** earning only: what earned the points (unconfirmed name) */
  action: null | string;
  /** earning only (unconfirmed name) */
  points: null | number;
  /** redemption only: reward.description (unconfirmed) */
  rewardDescription: null | string;
  /** redemption only (unconfirmed name) */
  pointsSpent: null | number;
  /** what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md) */
  mappingIssues: string[];
}

export type LoyaltyTransactionKind = 'adjustment' | 'earning' | 'redemption';

/** schemas/avro/quiz-response.avsc */
export const quizResponseSchema = {
  "type": "record",
  "name": "QuizResponse",
  "namespace": "io.okendo.pipeline.resources",
  "doc": "A quiz response (resourceType 'quiz_response'). Okendo publishes no payload for it: the names follow the help centre and are unconfirmed, so everything but the id is optional.",
  "fields": [
    {
      "name": "quizResponseId",
      "type": "string"
    },
    {
      "name": "subscriberId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "quizId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "quizName",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "dateCreated",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds",
      "timestamp": true
    },
    {
      "name": "customerId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "customer.customerId"
    },
    {
      "name": "orderId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "order.orderId, else order.remoteOrderId (unconfirmed: both names are guesses)"
    },
    {
      "name": "marketingOptIn",
      "type": [
        "null",
        "boolean"
      ],
      "default": null
    },
    {
      "name": "rewardDescription",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reward.description"
    },
    {
      "name": "answeredQuestions",
      "default": [],
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "QuizAnswer",
          "fields": [
            {
              "name": "questionId",
              "type": "string",
              "doc": "id"
            },
            {
              "name": "text",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "answer",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "the answers joined with ', ' (for GROUP BY without arrayJoin)"
            },
            {
              "name": "answers",
              "type": {
                "type": "array",
                "items": "string"
              },
              "default": [],
              "doc": "answer, one entry per chosen option, scalars as text; {type, value} answers give their value (an object value: its JSON text)"
            },
            {
              "name": "answerNumber",
              "type": [
                "null",
                "double"
              ],
              "default": null,
              "doc": "answer as a number when it is one number or one numeric string"
            },
            {
              "name": "answerJson",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "the original JSON of answer, whatever its shape"
            }
          ]
        }
      }
    },
    {
      "name": "productRecommendations",
      "default": [],
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "QuizRecommendation",
          "fields": [
            {
              "name": "productId",
              "type": "string"
            },
            {
              "name": "variantIds",
              "type": {
                "type": "array",
                "items": "string"
              },
              "default": []
            },
            {
              "name": "isRunnerUp",
              "type": [
                "null",
                "boolean"
              ],
              "default": null
            },
            {
              "name": "points",
              "type": [
                "null",
                "double"
              ],
              "default": null
            }
          ]
        }
      }
    },
    {
      "name": "mappingIssues",
      "type": {
        "type": "array",
        "items": "string"
      },
      "default": [],
      "doc": "what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md)"
    }
  ]
} as const;

/** A quiz response (resourceType 'quiz_response'). Okendo publishes no payload for it: the names follow the help centre and are unconfirmed, so everything but the id is optional. */
export interface QuizResponse {
  quizResponseId: string;
  subscriberId: null | string;
  quizId: null | string;
  quizName: null | string;
  /** epoch milliseconds */
  dateCreated: null | bigint;
  /** customer.customerId */
  customerId: null | string;
  /** order.orderId, else order.remoteOrderId (unconfirmed: both names are guesses) */
  orderId: null | string;
  marketingOptIn: null | boolean;
  /** reward.description */
  rewardDescription: null | string;
  answeredQuestions: QuizAnswer[];
  productRecommendations: QuizRecommendation[];
  /** what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md) */
  mappingIssues: string[];
}

export interface QuizAnswer {
  /** id */
  questionId: string;
  text: null | string;
  /** the answers joined with ', ' (for GROUP BY without arrayJoin) */
  answer: null | string;
  /** answer, one entry per chosen option, scalars as text; {type, value} answers give their value (an object value: its JSON text) */
  answers: string[];
  /** answer as a number when it is one number or one numeric string */
  answerNumber: null | number;
  /** the original JSON of answer, whatever its shape */
  answerJson: null | string;
}

export interface QuizRecommendation {
  productId: string;
  variantIds: string[];
  isRunnerUp: null | boolean;
  points: null | number;
}

/** schemas/avro/review.avsc */
export const reviewSchema = {
  "type": "record",
  "name": "Review",
  "namespace": "io.okendo.pipeline.resources",
  "doc": "A product review, normalised from resource of resourceType 'review'. Nested objects are flattened (reviewer.name -> reviewerName); repeated things stay arrays and become child tables. Customer emails are not modelled (they stay only in the raw payload).",
  "fields": [
    {
      "name": "subscriberId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "reviewId",
      "type": "string"
    },
    {
      "name": "productId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "e.g. shopify-123456789"
    },
    {
      "name": "variantId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "productName",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "rating",
      "type": [
        "null",
        "int"
      ],
      "default": null,
      "doc": "1-5"
    },
    {
      "name": "title",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "body",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "status",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "approved | pending | rejected"
    },
    {
      "name": "sentiment",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "containsProfanity",
      "type": [
        "null",
        "boolean"
      ],
      "default": null
    },
    {
      "name": "isRecommended",
      "type": [
        "null",
        "boolean"
      ],
      "default": null
    },
    {
      "name": "helpfulCount",
      "type": [
        "null",
        "int"
      ],
      "default": null
    },
    {
      "name": "unhelpfulCount",
      "type": [
        "null",
        "int"
      ],
      "default": null
    },
    {
      "name": "dateCreated",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds, from ISO-8601",
      "timestamp": true
    },
    {
      "name": "orderId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "order.orderId"
    },
    {
      "name": "orderNumber",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "order.orderNumber"
    },
    {
      "name": "reviewerName",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.name"
    },
    {
      "name": "reviewerDisplayName",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.displayName"
    },
    {
      "name": "reviewerIsVerified",
      "type": [
        "null",
        "boolean"
      ],
      "default": null,
      "doc": "reviewer.isVerified"
    },
    {
      "name": "reviewerVerifiedStatus",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.verifiedStatus"
    },
    {
      "name": "reviewerCountryCode",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.location.country.code"
    },
    {
      "name": "reviewerZoneCode",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.location.zoneCode"
    },
    {
      "name": "replyBody",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reply.body (HTML)"
    },
    {
      "name": "replyDateCreated",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "reply.dateCreated, epoch milliseconds",
      "timestamp": true
    },
    {
      "name": "replyIsPrivate",
      "type": [
        "null",
        "boolean"
      ],
      "default": null,
      "doc": "reply.isPrivate"
    },
    {
      "name": "rewardDescription",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reward.description"
    },
    {
      "name": "isIncentivized",
      "type": [
        "null",
        "boolean"
      ],
      "default": null
    },
    {
      "name": "variantName",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "reviewerAvatarUrl",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.avatarUrl"
    },
    {
      "name": "reviewerSocialConnection",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.socialConnection, e.g. facebook"
    },
    {
      "name": "reviewerCountryName",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reviewer.location.country.name"
    },
    {
      "name": "replyRawBody",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reply.rawBody (the reply without HTML)"
    },
    {
      "name": "rewardType",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reward.type"
    },
    {
      "name": "rewardValue",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reward.value as text (a number arrives as its decimal text)"
    },
    {
      "name": "tags",
      "type": {
        "type": "array",
        "items": "string"
      },
      "default": []
    },
    {
      "name": "media",
      "default": [],
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "ReviewMedia",
          "fields": [
            {
              "name": "streamId",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "type",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "fullSizeUrl",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "largeUrl",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "thumbnailUrl",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "isHidden",
              "type": [
                "null",
                "boolean"
              ],
              "default": null
            }
          ]
        }
      }
    },
    {
      "name": "attributesWithRating",
      "default": [],
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "ReviewRatingAttribute",
          "fields": [
            {
              "name": "title",
              "type": "string"
            },
            {
              "name": "type",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "value",
              "type": [
                "null",
                "double"
              ],
              "default": null
            },
            {
              "name": "minLabel",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "midLabel",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "maxLabel",
              "type": [
                "null",
                "string"
              ],
              "default": null
            }
          ]
        }
      }
    },
    {
      "name": "productAttributes",
      "default": [],
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "ReviewProductAttribute",
          "fields": [
            {
              "name": "title",
              "type": "string"
            },
            {
              "name": "type",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "value",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "a list value (multi-value attributes) is joined with ', '"
            }
          ]
        }
      }
    },
    {
      "name": "reviewerAttributes",
      "default": [],
      "doc": "reviewer.attributes: what the reviewer says about themselves (skin type, age range), items shaped like productAttributes",
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "ReviewReviewerAttribute",
          "fields": [
            {
              "name": "title",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "type",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "value",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "a list value is joined with ', '"
            }
          ]
        }
      }
    },
    {
      "name": "mappingIssues",
      "type": {
        "type": "array",
        "items": "string"
      },
      "default": [],
      "doc": "what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md)"
    }
  ]
} as const;

/** A product review, normalised from resource of resourceType 'review'. Nested objects are flattened (reviewer.name -> reviewerName); repeated things stay arrays and become child tables. Customer emails are not modelled (they stay only in the raw payload). */
export interface Review {
  subscriberId: null | string;
  reviewId: string;
  /** e.g. shopify-123456789 */
  productId: null | string;
  variantId: null | string;
  productName: null | string;
  /** 1-5 */
  rating: null | number;
  title: null | string;
  body: null | string;
  /** approved | pending | rejected */
  status: null | string;
  sentiment: null | string;
  containsProfanity: null | boolean;
  isRecommended: null | boolean;
  helpfulCount: null | number;
  unhelpfulCount: null | number;
  /** epoch milliseconds, from ISO-8601 */
  dateCreated: null | bigint;
  /** order.orderId */
  orderId: null | string;
  /** order.orderNumber */
  orderNumber: null | string;
  /** reviewer.name */
  reviewerName: null | string;
  /** reviewer.displayName */
  reviewerDisplayName: null | string;
  /** reviewer.isVerified */
  reviewerIsVerified: null | boolean;
  /** reviewer.verifiedStatus */
  reviewerVerifiedStatus: null | string;
  /** reviewer.location.country.code */
  reviewerCountryCode: null | string;
  /** reviewer.location.zoneCode */
  reviewerZoneCode: null | string;
  /** reply.body (HTML) */
  replyBody: null | string;
  /** reply.dateCreated, epoch milliseconds */
  replyDateCreated: null | bigint;
  /** reply.isPrivate */
  replyIsPrivate: null | boolean;
  /** reward.description */
  rewardDescription: null | string;
  isIncentivized: null | boolean;
  variantName: null | string;
  /** reviewer.avatarUrl */
  reviewerAvatarUrl: null | string;
  /** reviewer.socialConnection, e.g. facebook */
  reviewerSocialConnection: null | string;
  /** reviewer.location.country.name */
  reviewerCountryName: null | string;
  /** reply.rawBody (the reply without HTML) */
  replyRawBody: null | string;
  /** reward.type */
  rewardType: null | string;
  /** reward.value as text (a number arrives as its decimal text) */
  rewardValue: null | string;
  tags: string[];
  media: ReviewMedia[];
  attributesWithRating: ReviewRatingAttribute[];
  productAttributes: ReviewProductAttribute[];
  /** reviewer.attributes: what the reviewer says about themselves (skin type, age range), items shaped like productAttributes */
  reviewerAttributes: ReviewReviewerAttribute[];
  /** what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md) */
  mappingIssues: string[];
}

export interface ReviewMedia {
  streamId: null | string;
  type: null | string;
  fullSizeUrl: null | string;
  largeUrl: null | string;
  thumbnailUrl: null | string;
  isHidden: null | boolean;
}

export interface ReviewRatingAttribute {
  title: string;
  type: null | string;
  value: null | number;
  minLabel: null | string;
  midLabel: null | string;
  maxLabel: null | string;
}

export interface ReviewProductAttribute {
  title: string;
  type: null | string;
  /** a list value (multi-value attributes) is joined with ', ' */
  value: null | string;
}

export interface ReviewReviewerAttribute {
  title: null | string;
  type: null | string;
  /** a list value is joined with ', ' */
  value: null | string;
}

/** schemas/avro/survey-response.avsc */
export const surveyResponseSchema = {
  "type": "record",
  "name": "SurveyResponse",
  "namespace": "io.okendo.pipeline.resources",
  "doc": "A survey response (resourceType 'survey_response'); shape from a public consumer's types, not Okendo's docs. Answers are normalised to a list of strings whatever their wire shape (string, string[] or {type, value}).",
  "fields": [
    {
      "name": "surveyResponseId",
      "type": "string"
    },
    {
      "name": "subscriberId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "surveyId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "surveyName",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "dateCreated",
      "type": [
        "null",
        "long"
      ],
      "default": null,
      "doc": "epoch milliseconds",
      "timestamp": true
    },
    {
      "name": "channel",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "channelSurveyId",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "channelSurveyDescription",
      "type": [
        "null",
        "string"
      ],
      "default": null
    },
    {
      "name": "customerId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "customer.customerId"
    },
    {
      "name": "remoteOrderId",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "order.remoteOrderId"
    },
    {
      "name": "rewardDescription",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reward.description"
    },
    {
      "name": "rewardType",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reward.type"
    },
    {
      "name": "rewardValue",
      "type": [
        "null",
        "string"
      ],
      "default": null,
      "doc": "reward.value"
    },
    {
      "name": "answeredQuestions",
      "default": [],
      "type": {
        "type": "array",
        "items": {
          "type": "record",
          "name": "SurveyAnswer",
          "fields": [
            {
              "name": "questionId",
              "type": "string",
              "doc": "id"
            },
            {
              "name": "type",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "text",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "answer",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "the answers joined with ', ' (for GROUP BY without arrayJoin)"
            },
            {
              "name": "answers",
              "type": {
                "type": "array",
                "items": "string"
              },
              "default": [],
              "doc": "answer, one entry per chosen option, scalars as text; {type, value} answers give their value (an object value: its JSON text)"
            },
            {
              "name": "answerNumber",
              "type": [
                "null",
                "double"
              ],
              "default": null,
              "doc": "answer as a number when it is one number or one numeric string (NPS, rating)"
            },
            {
              "name": "answerJson",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "the original JSON of answer, whatever its shape"
            },
            {
              "name": "answerNpsCategory",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "customAnswer",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "customAnswerOptionText",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "the label of the option that takes a custom answer (e.g. Other)"
            },
            {
              "name": "profileQuestionId",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "marketingOptIn",
              "type": [
                "null",
                "boolean"
              ],
              "default": null
            }
          ]
        }
      }
    },
    {
      "name": "mappingIssues",
      "type": {
        "type": "array",
        "items": "string"
      },
      "default": [],
      "doc": "what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md)"
    }
  ]
} as const;

/** A survey response (resourceType 'survey_response'); shape from a public consumer's types, not Okendo's docs. Answers are normalised to a list of strings whatever their wire shape (string, string[] or {type, value}). */
export interface SurveyResponse {
  surveyResponseId: string;
  subscriberId: null | string;
  surveyId: null | string;
  surveyName: null | string;
  /** epoch milliseconds */
  dateCreated: null | bigint;
  channel: null | string;
  channelSurveyId: null | string;
  channelSurveyDescription: null | string;
  /** customer.customerId */
  customerId: null | string;
  /** order.remoteOrderId */
  remoteOrderId: null | string;
  /** reward.description */
  rewardDescription: null | string;
  /** reward.type */
  rewardType: null | string;
  /** reward.value */
  rewardValue: null | string;
  answeredQuestions: SurveyAnswer[];
  /** what of the body could not be read as its field expects (path: what arrived); those fields are null or empty (mapping policy, services/sink/src/mapping/README.md) */
  mappingIssues: string[];
}

export interface SurveyAnswer {
  /** id */
  questionId: string;
  type: null | string;
  text: null | string;
  /** the answers joined with ', ' (for GROUP BY without arrayJoin) */
  answer: null | string;
  /** answer, one entry per chosen option, scalars as text; {type, value} answers give their value (an object value: its JSON text) */
  answers: string[];
  /** answer as a number when it is one number or one numeric string (NPS, rating) */
  answerNumber: null | number;
  /** the original JSON of answer, whatever its shape */
  answerJson: null | string;
  answerNpsCategory: null | string;
  customAnswer: null | string;
  /** the label of the option that takes a custom answer (e.g. Other) */
  customAnswerOptionText: null | string;
  profileQuestionId: null | string;
  marketingOptIn: null | boolean;
}

/** schemas/avro/unrouted.avsc */
export const unroutedDeliverySchema = {
  "type": "record",
  "name": "UnroutedDelivery",
  "namespace": "io.okendo.pipeline",
  "doc": "A correctly signed delivery the ingest could not route (invalid JSON, unknown resourceType, no entity id or sequence number). Parked on the unrouted topic (key: messageId) with the reason: signed data is never lost.",
  "fields": [
    {
      "name": "messageId",
      "type": "string",
      "doc": "webhook-id (or svix-id) header"
    },
    {
      "name": "senderTimestamp",
      "type": "long",
      "doc": "webhook-timestamp header, seconds since the epoch"
    },
    {
      "name": "receivedAtMs",
      "type": "long",
      "doc": "when the ingest received the request, milliseconds since the epoch"
    },
    {
      "name": "source",
      "type": "string",
      "doc": "which Okendo account sent it"
    },
    {
      "name": "reasonCode",
      "type": "string",
      "doc": "a stable code: invalid_json, not_an_object, unknown_resource_type, invalid_topic, missing_sequence_number, invalid_sequence_number, missing_entity_id"
    },
    {
      "name": "reason",
      "type": "string",
      "doc": "what exactly was wrong, for a person"
    },
    {
      "name": "rawBody",
      "type": "bytes",
      "doc": "the request body exactly as received and signed"
    }
  ]
} as const;

/** A correctly signed delivery the ingest could not route (invalid JSON, unknown resourceType, no entity id or sequence number). Parked on the unrouted topic (key: messageId) with the reason: signed data is never lost. */
export interface UnroutedDelivery {
  /** webhook-id (or svix-id) header */
  messageId: string;
  /** webhook-timestamp header, seconds since the epoch */
  senderTimestamp: bigint;
  /** when the ingest received the request, milliseconds since the epoch */
  receivedAtMs: bigint;
  /** which Okendo account sent it */
  source: string;
  /** a stable code: invalid_json, not_an_object, unknown_resource_type, invalid_topic, missing_sequence_number, invalid_sequence_number, missing_entity_id */
  reasonCode: string;
  /** what exactly was wrong, for a person */
  reason: string;
  /** the request body exactly as received and signed */
  rawBody: Buffer;
}
