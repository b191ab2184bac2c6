/**
 * Reading docker-compose.yml and the Dockerfiles it builds the way Docker would, for the compose unit test:
 * compose's `${VAR:-default}` interpolation, the final stage of a Dockerfile (ENV, EXPOSE, HEALTHCHECK, CMD),
 * and an environment that records which keys a config reader looks up.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  ports?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
  stop_grace_period?: string;
  volumes?: string[];
  secrets?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

/**
 * Compose's interpolation of one value: `${NAME}`, `${NAME:-default}` / `${NAME-default}` (the `:` form also
 * replaces an empty value), `${NAME:?message}` / `${NAME?message}` (an error when missing), and `$$` for `$`.
 */
export function interpolate(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (whole, name: string | undefined, colon: string, kind: string, operand: string) => {
      if (whole === '$$') return '$';
      const found = env[name ?? ''];
      const missing = found === undefined || (colon === ':' && found === '');
      if (!missing) return found;
      if (kind === '?') throw new Error(`compose needs ${name}: ${operand}`);
      return kind === '-' ? operand : '';
    },
  );
}

function interpolateAll(node: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateAll(item, env));
  if (node !== null && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateAll(value, env)]));
  return node;
}

/** The compose file as `docker compose config` would see it with this shell environment. */
export async function readComposeFile(
  path: string,
  env: Readonly<Record<string, string>>,
): Promise<ComposeFile> {
  // merge: YAML's `<<` merge keys, which compose resolves (x- extension blocks shared by several services).
  return interpolateAll(parse(await readFile(path, 'utf8'), { merge: true }), env) as ComposeFile;
}

/** A service's environment as strings (compose passes numbers and booleans on as their text). */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [
      key,
      value === null ? '' : String(value),
    ]),
  );
}

/** The container port of a `ports` entry such as `127.0.0.1:8080:8080` or `9092:9092/tcp`. */
export function containerPort(entry: string): number {
  return Number(
    entry
      .replace(/\/(tcp|udp)$/, '')
      .split(':')
      .at(-1),
  );
}

/** `15s`, `1m30s`, `500ms` -> milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(amount) * (units[unit ?? ''] ?? 0);
  return total;
}

export interface DockerfileStage {
  env: Record<string, string>;
  exposed: number[];
  /** the HEALTHCHECK's command, JSON form */
  healthcheck: string[] | undefined;
  cmd: string[] | undefined;
  entrypoint: string[] | undefined;
  user: string | undefined;
  /** every instruction of the stage, continuation lines joined */
  instructions: string[];
}

/** Instructions with their `\` continuation lines joined and comments dropped. */
function instructionsOf(text: string): string[] {
  const instructions: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    // Comments, also between continuation lines (Docker drops those too).
    if (/^\s*#/.test(line)) continue;
    current += `${line.replace(/\\\s*$/, '').trim()} `;
    if (!/\\\s*$/.test(line)) {
      if (current.trim() !== '') instructions.push(current.trim());
      current = '';
    }
  }
  return instructions;
}

/** The instructions of every stage, split at FROM; the last one is what the image runs. */
export async function readDockerfileStages(path: string): Promise<DockerfileStage[]> {
  const stages: DockerfileStage[] = [];
  for (const instruction of instructionsOf(await readFile(path, 'utf8'))) {
    const [keyword = '', ...rest] = instruction.split(' ');
    const argument = rest.join(' ').trim();
    if (keyword.toUpperCase() === 'FROM') {
      stages.push({
        env: {},
        exposed: [],
        healthcheck: undefined,
        cmd: undefined,
        entrypoint: undefined,
        user: undefined,
        instructions: [],
      });
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${path}: ${keyword} before the first FROM`);
    stage.instructions.push(instruction);
    switch (keyword.toUpperCase()) {
      case 'ENV':
        for (const pair of argument.split(/\s+/)) {
          const [key, ...value] = pair.split('=');
          if (value.length === 0) throw new Error(`${path}: write ENV as KEY=value (${instruction})`);
          stage.env[key ?? ''] = value.join('=');
        }
        break;
      case 'EXPOSE':
        stage.exposed.push(...argument.split(/\s+/).map((port) => Number(port.replace(/\/(tcp|udp)$/, ''))));
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = JSON.parse(argument.slice(argument.indexOf('CMD ') + 4)) as string[];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(argument) as string[];
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(argument) as string[];
        break;
      case 'USER':
        stage.user = argument;
        break;
    }
  }
  return stages;
}

export interface RecordingEnv {
  env: NodeJS.ProcessEnv;
  /** every key a reader looked up, set or not */
  read: Set<string>;
  /** true when a reader listed the keys (a spread or Object.keys): then `read` cannot tell what it uses */
  enumerated: () => boolean;
}

/** An environment that notes each key looked up in it, so a test learns what a config reader reads. */
export function recordingEnv(values: Readonly<Record<string, string>>): RecordingEnv {
  const read = new Set<string>();
  let enumerated = false;
  const env = new Proxy<NodeJS.ProcessEnv>(
    { ...values },
    {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key);
      },
      has(target, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        enumerated = true;
        return Reflect.ownKeys(target);
      },
    },
  );
  return { env, read, enumerated: () => enumerated };
}
