import { randomBytes } from 'node:crypto';

/**
 * A name no other test uses: for topics, consumer groups and databases (letters, digits, underscores only,
 * so it is valid everywhere).
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
