/** HTML form posts (application/x-www-form-urlencoded): every field as a list, since checkboxes repeat. */
import type { FastifyInstance } from 'fastify';

export type FormBody = Readonly<Record<string, readonly string[]>>;

const MAX_FORM_BYTES = 64 * 1_024;

export function parseForm(text: string): FormBody {
  const fields: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const list = fields[name] ?? [];
    list.push(value);
    fields[name] = list;
  }
  return fields;
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: MAX_FORM_BYTES },
    (_request, body, done) => done(null, parseForm(String(body))),
  );
}

/** The body as a form: an empty one when the request had none or was not a form. */
export function formOf(body: unknown): FormBody {
  if (typeof body !== 'object' || body === null) return {};
  const fields: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value)) fields[name] = value.filter((v): v is string => typeof v === 'string');
    else if (typeof value === 'string') fields[name] = [value];
  }
  return fields;
}

/** The field's first value, trimmed; undefined when missing or empty. */
export function field(form: FormBody, name: string): string | undefined {
  const value = form[name]?.[0]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function fields(form: FormBody, name: string): string[] {
  return (form[name] ?? []).map((v) => v.trim()).filter((v) => v !== '');
}
