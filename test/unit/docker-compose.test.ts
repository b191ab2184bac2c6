/**
 * docker-compose.yml and the Dockerfiles it builds, checked against the code they run (no Docker engine here):
 * each service's environment goes through the service's own config reader, which must accept it and must read
 * every key set (a renamed env var fails this), and the port that reader chooses must be the one the image
 * exposes, health-checks and compose publishes. Prometheus's compose config must scrape those services.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '@okendo/infra/local';
import { loadIngestConfig } from '@okendo/ingest';
import { loadSinkConfig } from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { auditActor, createContext, type Output } from '../../services/cli/src/index.js';
import { secretsFileLocation } from '../../services/cli/src/subscriptions/secrets-file.js';
import { loadConsoleConfig } from '../../services/console/src/config.js';
import { loadHealthConfig } from '../../services/console/src/health/health-config.js';
import {
  type ComposeService,
  containerPort,
  type DockerfileStage,
  durationMs,
  environmentOf,
  readComposeFile,
  readDockerfileStages,
  recordingEnv,
} from '../harness/compose-file.js';
import { repoRoot } from '../vitest.shared.js';

const run = promisify(execFile);

/** What an operator exports before `docker compose up` (the compose file's header says which). */
const OPERATOR_SHELL = {
  CONSOLE_AUTH_TOKEN: 'console-token-0123456789abcdef',
  SINK_SQL_TOKEN: 'sink-sql-token-0123456789abcdef',
  OKENDO_USER_ID: '3f1c2a7e-0000-4000-8000-000000000001',
  OKENDO_API_KEY: 'okendo-api-key-for-the-compose-test',
};

interface ServiceReading {
  port: number;
  /** how long the service gives itself to stop after SIGTERM */
  shutdownTimeoutMs?: number;
  /** the sink's warehouse kind */
  warehouse?: string;
}

const SILENT: Output = {
  json: true,
  result() {},
  info() {},
  warn() {},
  progress: () => ({ increment() {}, setTotal() {}, stop() {} }),
};

/**
 * The console reads its own keys at start, the health page's, and the CLI context's when an action runs
 * (Okendo, Kafka, the warehouse, the secrets file, the audit actor): all of them, as its actions would.
 */
async function readConsole(env: NodeJS.ProcessEnv): Promise<ServiceReading> {
  const config = loadConsoleConfig(env);
  loadHealthConfig(env);
  const context = createContext(env, SILENT);
  try {
    for (const source of config.sources) context.okendo(source);
    context.kafka();
    context.topicPrefix();
    context.sinkGroupId();
    context.ingestUrl();
    context.sinkUrl();
    await context.warehouse();
  } finally {
    await context.close();
  }
  auditActor(env);
  secretsFileLocation(undefined, env);
  // Its shutdown budget is fixed in services/console/src/server.ts.
  return { port: config.port, shutdownTimeoutMs: 10_000 };
}

/** Each built service's config reader, by the directory of its Dockerfile (services/<name>/Dockerfile). */
const READERS: Record<string, (env: NodeJS.ProcessEnv) => Promise<ServiceReading>> = {
  ingest: async (env) => {
    const config = loadIngestConfig(env);
    return { port: config.port, shutdownTimeoutMs: config.shutdownTimeoutMs };
  },
  sink: async (env) => {
    const config = loadSinkConfig(env);
    return {
      port: config.port,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      warehouse: config.warehouse.kind,
    };
  },
  console: readConsole,
};

const COMPOSE_FILE = join(repoRoot, 'docker-compose.yml');
const compose = await readComposeFile(COMPOSE_FILE, OPERATOR_SHELL);
const builtServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

interface BuiltService {
  name: string;
  service: ComposeService;
  dockerfile: string;
  runtime: DockerfileStage;
  /** what the container's process sees: the image's ENV, then compose's environment over it */
  env: Record<string, string>;
  /** undefined when the reader refused the environment (then `refusal` says why) */
  reading: ServiceReading | undefined;
  refusal: string | undefined;
  keysRead: Set<string>;
  enumerated: boolean;
}

async function inspect(name: string, service: ComposeService): Promise<BuiltService> {
  const context = join(repoRoot, service.build?.context ?? '');
  const dockerfile = join(context, service.build?.dockerfile ?? 'Dockerfile');
  const runtime = (await readDockerfileStages(dockerfile)).at(-1);
  if (runtime === undefined) throw new Error(`${dockerfile} has no FROM`);
  const reader = READERS[dirname(dockerfile).split('/').at(-1) ?? ''];
  if (reader === undefined) throw new Error(`${name}: no config reader known for ${dockerfile}`);
  const env = { ...runtime.env, ...environmentOf(service) };
  const recorded = recordingEnv(env);
  let reading: ServiceReading | undefined;
  let refusal: string | undefined;
  try {
    reading = await reader(recorded.env);
  } catch (error) {
    refusal = error instanceof Error ? error.message : String(error);
  }
  const { read: keysRead } = recorded;
  return {
    name,
    service,
    dockerfile,
    runtime,
    env,
    reading,
    refusal,
    keysRead,
    enumerated: recorded.enumerated(),
  };
}

const built = await Promise.all(builtServices.map(([name, service]) => inspect(name, service)));

describe('docker-compose.yml: the services built here', () => {
  it('builds the ingest, the sink and the console', () => {
    expect(built.map((b) => b.name).sort()).toEqual(['console', 'ingest', 'sink']);
  });

  it.each(built)(
    '$name: builds from a context and Dockerfile that exist',
    async ({ service, dockerfile }) => {
      expect((await stat(join(repoRoot, service.build?.context ?? ''))).isDirectory()).toBe(true);
      expect((await stat(dockerfile)).isFile()).toBe(true);
    },
  );

  it.each(built)('$name: runs its compiled server as a non-root user, under tini', async (b) => {
    const { runtime } = b;
    expect(runtime.user).toBe('node');
    expect(runtime.entrypoint).toEqual(['/usr/bin/tini', '--']);
    // CMD runs <package>/dist/server.js: compiled by `tsc -b <package>` in the build stage and copied over.
    const script = runtime.cmd?.at(-1) ?? '';
    const pkg = /^(.+)\/dist\/server\.js$/.exec(script)?.[1];
    expect(pkg, script).toBeDefined();
    expect((await stat(join(repoRoot, `${pkg}/src/server.ts`))).isFile()).toBe(true);
    const stages = await readDockerfileStages(b.dockerfile);
    expect(stages[0]?.instructions).toContain(`RUN npx tsc -b ${pkg}`);
    expect(runtime.instructions).toContain(`COPY --from=build /src/${pkg}/dist ${pkg}/dist`);
  });

  it.each(built)('$name: copies the build of every workspace package it depends on', async (b) => {
    const pkg = /^(.+)\/dist\/server\.js$/.exec(b.runtime.cmd?.at(-1) ?? '')?.[1] ?? '';
    const packages = await workspaceClosure(pkg);
    for (const dir of packages)
      expect(b.runtime.instructions, dir).toContain(`COPY --from=build /src/${dir}/dist ${dir}/dist`);
    // The sink applies the migrations, read at run time from infra/clickhouse/migrations (migrate.ts).
    if (packages.includes('services/sink'))
      expect(b.runtime.instructions).toContain(
        'COPY --from=build /src/infra/clickhouse/migrations infra/clickhouse/migrations',
      );
  });

  it.each(built)('$name: sets every key its config reader requires', (b) => {
    // A missing or invalid key is a ConfigError listing them all (the service would exit 2).
    expect(b.refusal).toBeUndefined();
  });

  it.each(built)('$name: sets only keys its config reader reads', (b) => {
    // Keys looked up one by one: a reader listing them all would make every key look read.
    expect(b.enumerated).toBe(false);
    const unread = Object.keys(b.env).filter((key) => !b.keysRead.has(key));
    expect(unread, `${b.name} ignores these keys: renamed or misspelt?`).toEqual([]);
  });

  it.each(built)('$name: exposes, publishes and health-checks the port its reader chose', (b) => {
    const port = b.reading?.port;
    expect(b.runtime.exposed).toEqual([port]);
    expect(b.service.ports?.map(containerPort)).toEqual([port]);
    const probe = b.runtime.healthcheck?.join(' ') ?? '';
    expect(probe).toContain(`http://127.0.0.1:${port}/healthz`);
  });

  it.each(built)('$name: is given longer than its own shutdown budget to stop', (b) => {
    const grace = durationMs(b.service.stop_grace_period ?? '10s');
    // Compose's default is 10 s; then SIGKILL, mid-drain.
    expect(grace).toBeGreaterThan(b.reading?.shutdownTimeoutMs ?? Number.POSITIVE_INFINITY);
  });

  it('gives the sink the ClickHouse server (its image leaves the optional chDB out)', () => {
    expect(built.find((b) => b.name === 'sink')?.reading?.warehouse).toBe('clickhouse-server');
  });

  it.each(built)('$name: starts after the healthy services it connects to', (b) => {
    const addressed = new Set<string>();
    for (const value of Object.values(b.env))
      for (const [, host, port] of value.matchAll(/(?:^|[/,])([a-z][a-z0-9-]*):(\d+)/g))
        if (host !== undefined && compose.services[host] !== undefined) {
          addressed.add(host);
          expect(listensOn(host, Number(port)), `${b.name} -> ${host}:${port}`).toBe(true);
        }
    expect(addressed.size).toBeGreaterThan(0);
    const waitsFor = healthyDependencies(b.name);
    for (const host of addressed) expect(waitsFor, `${b.name} -> ${host}`).toContain(host);
  });
});

/** A workspace directory and the directories of every @okendo package it depends on, transitively. */
async function workspaceClosure(dir: string, seen: string[] = []): Promise<string[]> {
  if (seen.includes(dir)) return seen;
  seen.push(dir);
  const manifest = JSON.parse(await readFile(join(repoRoot, dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  for (const name of Object.keys(manifest.dependencies ?? {}).filter((n) => n.startsWith('@okendo/'))) {
    const workspace = await findWorkspace(root.workspaces, name);
    await workspaceClosure(workspace, seen);
  }
  return seen;
}

async function findWorkspace(workspaces: readonly string[], name: string): Promise<string> {
  for (const dir of workspaces) {
    const manifest = JSON.parse(await readFile(join(repoRoot, dir, 'package.json'), 'utf8')) as {
      name: string;
    };
    if (manifest.name === name) return dir;
  }
  throw new Error(`no workspace is named ${name}`);
}

/** Whether a compose service answers on this port: its reader's port, or one its definition names. */
function listensOn(name: string, port: number): boolean {
  const ours = built.find((b) => b.name === name);
  if (ours !== undefined) return ours.reading?.port === port;
  return JSON.stringify(compose.services[name]).includes(`:${port}`);
}

/** Every service started before this one (transitively), each only once healthy. */
function healthyDependencies(name: string, seen = new Set<string>()): Set<string> {
  for (const [dependency, { condition }] of Object.entries(compose.services[name]?.depends_on ?? {})) {
    expect(condition, `${name} -> ${dependency}`).toBe('service_healthy');
    const service = compose.services[dependency];
    const checked =
      service?.healthcheck !== undefined || built.some((b) => b.name === dependency && b.runtime.healthcheck);
    expect(checked, `${dependency} has a healthcheck`).toBe(true);
    if (!seen.has(dependency)) {
      seen.add(dependency);
      healthyDependencies(dependency, seen);
    }
  }
  return seen;
}

// CI (REQUIRE_INFRA=1) installs promtool: there, a missing one fails the check instead of skipping it.
const promtool = await findExecutable('promtool');
const noPromtool = promtool === undefined && process.env['REQUIRE_INFRA'] !== '1';

describe('docker-compose.yml: infrastructure and monitoring', () => {
  it('keeps Kafka and ClickHouse on loopback host ports for the test suite', () => {
    expect(compose.services['kafka']?.ports).toContain('127.0.0.1:9092:9092');
    expect(compose.services['kafka']?.environment?.['KAFKA_ADVERTISED_LISTENERS']).toContain(
      'HOST://127.0.0.1:9092',
    );
    expect(compose.services['clickhouse']?.ports).toContain('127.0.0.1:8123:8123');
    for (const service of Object.values(compose.services))
      for (const entry of service.ports ?? []) expect(entry).toMatch(/^127\.0\.0\.1:/);
  });

  it('keeps every named volume it mounts declared', () => {
    for (const service of Object.values(compose.services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.')) expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
  });

  it("scrapes the compose services on their readers' ports, with the same jobs and rules", async () => {
    const prometheus = compose.services['prometheus'];
    const mounted = (target: string) =>
      prometheus?.volumes?.find((v) => v.split(':')[1] === target)?.split(':')[0] ?? '';
    const configFile = join(repoRoot, mounted('/etc/prometheus/prometheus.yml'));
    expect(configFile).toMatch(/prometheus\.compose\.yml$/);
    const composeConfig = parse(await readFile(configFile, 'utf8')) as PrometheusConfig;
    const localConfig = parse(
      await readFile(join(repoRoot, 'infra/prometheus/prometheus.yml'), 'utf8'),
    ) as PrometheusConfig;
    expect(composeConfig.rule_files).toEqual(localConfig.rule_files);
    for (const rules of composeConfig.rule_files)
      expect(mounted(`/etc/prometheus/${rules}`)).toBe(`./infra/prometheus/${rules}`);
    expect(composeConfig.scrape_configs.map((job) => job.job_name)).toEqual(
      localConfig.scrape_configs.map((job) => job.job_name),
    );
    for (const job of composeConfig.scrape_configs) {
      const targets = job.static_configs.flatMap((s) => s.targets);
      // okendo-<service>: the job's name says which compose service it scrapes.
      const service = built.find((b) => job.job_name === `okendo-${b.name}`);
      expect(service, job.job_name).toBeDefined();
      expect(targets).toEqual([`${service?.name}:${service?.reading?.port}`]);
      const credentials = job.authorization?.credentials_file;
      if (service?.env['CONSOLE_AUTH_TOKEN'] !== undefined) {
        // The console asks for its token on /metrics too: the secret holds the same variable.
        const secret = /^\/run\/secrets\/(.+)$/.exec(credentials ?? '')?.[1] ?? '';
        expect(prometheus?.secrets).toContain(secret);
        expect(compose.secrets?.[secret]?.environment).toBe('CONSOLE_AUTH_TOKEN');
      } else expect(credentials).toBeUndefined();
    }
  });

  it.skipIf(noPromtool)('passes promtool check config, laid out as in the container', async () => {
    if (promtool === undefined) throw new Error('promtool is not installed (Debian package prometheus)');
    const dir = await mkdtemp(join(tmpdir(), 'okendo-compose-prometheus-'));
    try {
      // /etc/prometheus/{prometheus.yml,alerts.yml} and the secret file, under a temp dir.
      const config = await readFile(join(repoRoot, 'infra/prometheus/prometheus.compose.yml'), 'utf8');
      await writeFile(join(dir, 'console-auth-token'), OPERATOR_SHELL.CONSOLE_AUTH_TOKEN);
      await writeFile(
        join(dir, 'prometheus.yml'),
        config.replaceAll('/run/secrets/console-auth-token', join(dir, 'console-auth-token')),
      );
      await copyFile(join(repoRoot, 'infra/prometheus/alerts.yml'), join(dir, 'alerts.yml'));
      const { stdout } = await run(promtool, ['check', 'config', join(dir, 'prometheus.yml')]);
      expect(stdout).toContain('is valid prometheus config file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('provisions Grafana with the dashboard and its datasource at the Prometheus service', async () => {
    const grafana = compose.services['grafana'];
    const mountOf = (target: string) =>
      grafana?.volumes?.find((v) => v.split(':')[1] === target)?.split(':')[0] ?? '';
    const datasources = join(repoRoot, mountOf('/etc/grafana/provisioning/datasources'), 'prometheus.yml');
    const local = join(repoRoot, 'infra/grafana/provisioning/datasources/prometheus.yml');
    const [composeSource, localSource] = await Promise.all(
      [datasources, local].map(
        async (file) => (parse(await readFile(file, 'utf8')) as GrafanaDatasources).datasources[0],
      ),
    );
    expect(composeSource?.uid).toBe(localSource?.uid);
    expect(composeSource?.url).toBe('http://prometheus:9090');
    expect(JSON.stringify(compose.services['prometheus']?.healthcheck)).toContain('9090');
    const providers = join(repoRoot, mountOf('/etc/grafana/provisioning/dashboards'), 'okendo-pipeline.yml');
    const path = (parse(await readFile(providers, 'utf8')) as GrafanaProviders).providers[0]?.options.path;
    expect(mountOf(path ?? '')).toBe('./infra/grafana/dashboards');
  });
});

interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: Array<{
    job_name: string;
    static_configs: Array<{ targets: string[] }>;
    authorization?: { credentials_file?: string };
  }>;
}
interface GrafanaDatasources {
  datasources: Array<{ uid: string; url: string }>;
}
interface GrafanaProviders {
  providers: Array<{ options: { path: string } }>;
}
