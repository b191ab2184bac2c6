/** The ingest service: built in the Ingest issue. */
export const SERVICE_NAME = 'okendo-ingest';
