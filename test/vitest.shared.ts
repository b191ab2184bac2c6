import { fileURLToPath } from 'node:url';

/** Settings both suites share: run from the repo root, load workspace packages from their TypeScript sources. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// The same mapping as the "source" export condition of each package.json, so tests need no prior build.
export const workspaceSources = [
  { find: /^@okendo\/infra\/(local|kafka|clickhouse)$/, replacement: `${repoRoot}infra/$1/index.ts` },
  { find: /^@okendo\/schemas$/, replacement: `${repoRoot}schemas/src/index.ts` },
  {
    find: /^@okendo\/(common|ingest|sink|okendo-api|cli|console)$/,
    replacement: `${repoRoot}services/$1/src/index.ts`,
  },
];
