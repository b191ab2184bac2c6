import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from './commands.js';
import { freePort, retryWhenPortTaken } from './ports.js';
import { isAlive, killProcess, spawnDaemon, stopProcess, waitUntil } from './processes.js';

export interface LocalClickHouse {
  kind: 'clickhouse';
  version: string;
  url: string;
  pid: number;
  /** Temp dir holding config, data and logs; removed on stop. */
  dir: string;
  httpPort: number;
  tcpPort: number;
  startupMs: number;
}

export interface StartClickHouseOptions {
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Reuse a data dir and ports (restart after a stop, as fault tests do); a fresh temp dir otherwise. */
  reuse?: Pick<LocalClickHouse, 'dir' | 'httpPort' | 'tcpPort'>;
  /** The server's time zone (an IANA name such as `Asia/Kolkata`); UTC by default. Tests use a non-UTC one
   * to prove that nothing in the model depends on it. */
  timezone?: string;
  /** XML elements added to the server's config (a cluster node's remote_servers, macros, zookeeper ...). */
  extraConfigXml?: string;
  /** Settings added to the default profile, as XML elements (a cluster's distributed_product_mode). */
  extraProfileXml?: string;
}

/**
 * The server binary: Debian ships `clickhouse-server` in /usr/sbin; official builds ship one `clickhouse`
 * binary with a `server` sub-command. CLICKHOUSE_SERVER_BIN overrides both.
 */
async function serverCommand(): Promise<{ command: string; args: string[] }> {
  const explicit = process.env['CLICKHOUSE_SERVER_BIN'];
  if (explicit) return { command: explicit, args: [] };
  const sbin = ['/usr/sbin', '/usr/bin', '/usr/local/bin'];
  const server = await findExecutable('clickhouse-server', sbin);
  if (server !== undefined) return { command: server, args: [] };
  const multi = await findExecutable('clickhouse', sbin);
  if (multi !== undefined) return { command: multi, args: ['server'] };
  throw new Error(
    'clickhouse-server is not installed (apt-get install clickhouse-server, or set CLICKHOUSE_SERVER_BIN)',
  );
}

function configXml(
  dir: string,
  httpPort: number,
  tcpPort: number,
  timezone: string,
  extraConfigXml: string,
): string {
  // <yandex> is the root element 18.16 requires; newer servers still accept it.
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/clickhouse-server.log</log>
    <errorlog>${dir}/log/clickhouse-server.err.log</errorlog>
    <size>10M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <timezone>${timezone}</timezone>
  <!-- The Kafka table engine (used as a benchmark peer) reads a new group's topics from the start. -->
  <kafka>
    <auto_offset_reset>smallest</auto_offset_reset>
  </kafka>
${extraConfigXml}</yandex>
`;
}

const usersXml = (extraProfileXml: string): string => `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
      <max_memory_usage>4000000000</max_memory_usage>
${extraProfileXml}    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`;

/**
 * Starts a ClickHouse server with its own config, dirs and loopback ports; ready when /ping answers. A fresh
 * start is tried again on new ports when one was taken before the server bound it.
 */
export function startClickHouseServer(options: StartClickHouseOptions = {}): Promise<LocalClickHouse> {
  return retryWhenPortTaken(options.reuse === undefined, () => startClickHouseServerOnce(options));
}

async function startClickHouseServerOnce(options: StartClickHouseOptions): Promise<LocalClickHouse> {
  const started = Date.now();
  const { command, args } = await serverCommand();
  const dir = options.reuse?.dir ?? (await mkdtemp(join(tmpdir(), 'okendo-clickhouse-')));
  const httpPort = options.reuse?.httpPort ?? (await freePort());
  const tcpPort = options.reuse?.tcpPort ?? (await freePort());
  for (const sub of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const timezone = options.timezone ?? 'UTC';
  // Goes into XML unescaped: accept IANA names only.
  if (!/^[A-Za-z0-9_+\-/]+$/.test(timezone)) throw new Error(`invalid time zone ${JSON.stringify(timezone)}`);
  const configFile = join(dir, 'config.xml');
  await writeFile(configFile, configXml(dir, httpPort, tcpPort, timezone, options.extraConfigXml ?? ''));
  await writeFile(join(dir, 'users.xml'), usersXml(options.extraProfileXml ?? ''));
  const child = spawnDaemon({
    command,
    args: [...args, `--config-file=${configFile}`],
    logFile: join(dir, 'log', 'stdout.log'),
    cwd: dir,
    detached: options.detached ?? false,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitUntil(`ClickHouse server at ${url}`, async () => (await fetch(`${url}/ping`)).ok, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      intervalMs: 200,
      abortIf: () => (isAlive(pid) ? undefined : 'the server process exited'),
    });
  } catch (error) {
    const log = await readFile(join(dir, 'log', 'clickhouse-server.err.log'), 'utf8').catch(() => '');
    await stopProcess(pid, 5_000);
    if (options.reuse === undefined) await rm(dir, { recursive: true, force: true });
    throw new Error(
      `${(error as Error).message}\n--- error log (tail) ---\n${log.split('\n').slice(-30).join('\n')}`,
    );
  }
  const version = await clickHouseVersion(url);
  return { kind: 'clickhouse', version, url, pid, dir, httpPort, tcpPort, startupMs: Date.now() - started };
}

/** The server's version, through the HTTP interface every version has. */
export async function clickHouseVersion(url: string): Promise<string> {
  const response = await fetch(`${url}/?query=${encodeURIComponent('SELECT version()')}`);
  if (!response.ok)
    throw new Error(`ClickHouse at ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.text()).trim();
}

/** Stops the server; `keepData` leaves the dir for a restart with `reuse`; `kill` crashes it (SIGKILL). */
export async function stopClickHouseServer(
  server: Pick<LocalClickHouse, 'pid' | 'dir'>,
  options: { keepData?: boolean; graceMs?: number; kill?: boolean } = {},
): Promise<string> {
  const outcome = options.kill
    ? await killProcess(server.pid)
    : await stopProcess(server.pid, options.graceMs ?? 15_000);
  if (!options.keepData) await rm(server.dir, { recursive: true, force: true });
  return outcome;
}
