/**
 * Where each resource type lands in ClickHouse, derived from its Avro record (schemas/avro): scalar fields
 * become columns of the state table (snake_case), arrays become child tables. Only the table names and the
 * column of primitive arrays are stated here; a test checks the migrations' columns against this layout.
 */
import { RESOURCE_RECORD_SCHEMAS, RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';

type AvroType = string | readonly AvroType[] | { readonly [key: string]: unknown };

export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly timestamp?: boolean;
}

export interface ColumnSpec {
  field: string;
  column: string;
  kind: 'string' | 'number' | 'boolean' | 'datetime' | 'int64' | 'strings';
  nullable: boolean;
}

export interface ChildTableSpec {
  field: string;
  table: string;
  /** for an array of records, one column per item field; for an array of strings, the one value column */
  columns: ColumnSpec[];
  itemIsRecord: boolean;
}

export interface TableLayout {
  resourceType: ResourceType;
  table: string;
  /** every version of the entity (migration 012): the state table's columns plus VERSION_META_COLUMNS */
  versionTable: string;
  idField: string;
  idColumn: string;
  columns: ColumnSpec[];
  children: ChildTableSpec[];
}

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The three loyalty transaction resource types share one state table, told apart by `kind`. */
const TRANSACTIONS = {
  table: 'loyalty_transactions',
  versionTable: 'loyalty_transaction_versions',
  idField: 'loyaltyTransactionId',
};

const STATE_TABLES: Record<ResourceType, { table: string; versionTable: string; idField: string }> = {
  review: { table: 'reviews', versionTable: 'review_versions', idField: 'reviewId' },
  loyalty_customer: {
    table: 'loyalty_customers',
    versionTable: 'loyalty_customer_versions',
    idField: 'loyaltyCustomerId',
  },
  loyalty_adjustment_transaction: TRANSACTIONS,
  loyalty_earning_transaction: TRANSACTIONS,
  loyalty_redemption_transaction: TRANSACTIONS,
  quiz_response: {
    table: 'quiz_responses',
    versionTable: 'quiz_response_versions',
    idField: 'quizResponseId',
  },
  survey_response: {
    table: 'survey_responses',
    versionTable: 'survey_response_versions',
    idField: 'surveyResponseId',
  },
};

/** Child tables by the array field that feeds them; `valueColumn` names the column of a primitive array. */
const CHILD_TABLES: Record<string, { table: string; valueColumn?: string }> = {
  'Review.tags': { table: 'review_tags', valueColumn: 'tag' },
  'Review.media': { table: 'review_media' },
  'Review.attributesWithRating': { table: 'review_rating_attributes' },
  'Review.productAttributes': { table: 'review_product_attributes' },
  'Review.reviewerAttributes': { table: 'review_reviewer_attributes' },
  'QuizResponse.answeredQuestions': { table: 'quiz_answers' },
  'QuizResponse.productRecommendations': { table: 'quiz_recommendations' },
  'SurveyResponse.answeredQuestions': { table: 'survey_answers' },
};

function columnFor(field: AvroField, column = snakeCase(field.name)): ColumnSpec {
  let type = field.type;
  let nullable = false;
  if (Array.isArray(type)) {
    nullable = type.includes('null');
    type = type.find((t) => t !== 'null') as AvroType;
  }
  if (typeof type === 'object' && !Array.isArray(type)) {
    const object = type as { type: string; items?: unknown };
    if (object.type === 'enum') return { field: field.name, column, kind: 'string', nullable };
    if (object.type === 'array' && object.items === 'string')
      return { field: field.name, column, kind: 'strings', nullable };
    throw new Error(`no column type for field ${field.name}`);
  }
  const kinds: Record<string, ColumnSpec['kind']> = {
    string: 'string',
    int: 'number',
    double: 'number',
    float: 'number',
    boolean: 'boolean',
    long: field.timestamp ? 'datetime' : 'int64',
  };
  const kind = kinds[type as string];
  if (kind === undefined) throw new Error(`no column type for Avro ${String(type)} (${field.name})`);
  return { field: field.name, column, kind, nullable };
}

function layoutOf(resourceType: ResourceType): TableLayout {
  const schema = RESOURCE_RECORD_SCHEMAS[resourceType] as unknown as {
    name: string;
    fields: readonly AvroField[];
  };
  const { table, versionTable, idField } = STATE_TABLES[resourceType];
  const columns: ColumnSpec[] = [];
  const children: ChildTableSpec[] = [];
  for (const field of schema.fields) {
    const child = CHILD_TABLES[`${schema.name}.${field.name}`];
    if (child === undefined) {
      columns.push(columnFor(field));
      continue;
    }
    const items = (field.type as { items: unknown }).items;
    if (typeof items === 'string') {
      children.push({
        field: field.name,
        table: child.table,
        itemIsRecord: false,
        columns: [columnFor({ name: field.name, type: items }, child.valueColumn ?? 'value')],
      });
    } else {
      const itemFields = (items as { fields: readonly AvroField[] }).fields;
      children.push({
        field: field.name,
        table: child.table,
        itemIsRecord: true,
        columns: itemFields.map((f) => columnFor(f)),
      });
    }
  }
  return { resourceType, table, versionTable, idField, idColumn: snakeCase(idField), columns, children };
}

export const TABLE_LAYOUTS: Readonly<Record<ResourceType, TableLayout>> = Object.fromEntries(
  RESOURCE_TYPES.map((type) => [type, layoutOf(type)]),
) as Record<ResourceType, TableLayout>;

/** Columns every state table has besides the record's own. */
export const STATE_META_COLUMNS = [
  'sequence_number',
  'is_deleted',
  'event_topic',
  'message_id',
  'source',
  'received_at',
  'occurred_at',
  'inserted_at',
] as const;

/** Columns a version table has besides its state table's. */
export const VERSION_META_COLUMNS = ['sender_timestamp'] as const;

/** Columns every child table has before the item's own. */
export const CHILD_KEY_COLUMNS = ['sequence_number', 'position'] as const;
