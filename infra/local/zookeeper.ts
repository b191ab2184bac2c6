/**
 * A single ZooKeeper server for a local ClickHouse cluster (replication and ON CLUSTER DDL need one). It runs
 * from Debian's `zookeeper` package (its jar names its dependencies in its manifest) with a generated zoo.cfg
 * on a free loopback port in a temp dir. ZOOKEEPER_JAR overrides the jar's location.
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javaBinary } from './commands.js';
import { freePort } from './ports.js';
import { isAlive, killProcess, spawnDaemon, stopProcess, waitUntil } from './processes.js';

export interface LocalZooKeeper {
  kind: 'zookeeper';
  pid: number;
  port: number;
  /** Temp dir holding zoo.cfg, data and the log; removed on stop. */
  dir: string;
  startupMs: number;
}

const DEBIAN_JAR = '/usr/share/java/zookeeper.jar';

async function zooKeeperJar(): Promise<string> {
  const jar = process.env['ZOOKEEPER_JAR'] ?? DEBIAN_JAR;
  try {
    await access(jar);
    return jar;
  } catch {
    throw new Error(
      `ZooKeeper is not installed (${jar} is missing): apt-get install zookeeper, or set ZOOKEEPER_JAR`,
    );
  }
}

/** undefined when ZooKeeper can be started here; otherwise why not. */
export async function zooKeeperMissing(): Promise<string | undefined> {
  try {
    await zooKeeperJar();
  } catch (error) {
    return (error as Error).message;
  }
  try {
    await javaBinary();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** Sends a four-letter command (ruok, stat) and returns the answer. */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error(`ZooKeeper on ${port} did not answer ${word}`)));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/**
 * Opens a client session (the protocol's ConnectRequest: version 0, no last zxid, a 2 s timeout, no session id,
 * an empty password) and resolves true when the server answers with a session. `ruok` answers before the
 * server takes sessions, and 18.16 gives its ZooKeeper connection 1 s: a first session on a cold JVM took
 * longer, every node's DDL worker lost its connection, and the first ON CLUSTER query crashed a node.
 */
export function openSession(port: number): Promise<boolean> {
  const request = Buffer.alloc(4 + 44);
  request.writeInt32BE(44, 0); // length of what follows
  request.writeInt32BE(0, 4); // protocol version
  request.writeBigInt64BE(0n, 8); // last zxid seen
  request.writeInt32BE(2_000, 16); // session timeout, ms
  request.writeBigInt64BE(0n, 20); // session id: a new session
  request.writeInt32BE(16, 28); // password length, then 16 zero bytes
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = Buffer.alloc(0);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`ZooKeeper on ${port} opened no session`)));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      answer = Buffer.concat([answer, chunk]);
      // length, protocol version, timeout, session id: a session id that is not 0 is a session.
      if (answer.length >= 20) {
        socket.destroy();
        resolve(answer.readBigInt64BE(12) !== 0n);
      }
    });
    socket.on('close', () => resolve(false));
    socket.on('error', reject);
  });
}

/** Starts a standalone ZooKeeper; ready when it answers `ruok` with `imok` and opens a session. */
export async function startZooKeeper(options: { detached?: boolean } = {}): Promise<LocalZooKeeper> {
  const started = Date.now();
  const jar = await zooKeeperJar();
  const java = await javaBinary();
  const dir = await mkdtemp(join(tmpdir(), 'okendo-zookeeper-'));
  await mkdir(join(dir, 'data'), { recursive: true });
  const port = await freePort();
  // tickTime 1000 allows sessions of 2-20 s: the cluster's 10 s lets a killed node's replica markers expire
  // soon, yet survives a busy machine's pauses (a 6 s session expired under load once, and 18.16 crashed on
  // the reconnect). The admin server (an HTTP port of its own) is not needed.
  const config = [
    'tickTime=1000',
    `dataDir=${join(dir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'maxClientCnxns=0',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,stat',
    'forceSync=no',
  ].join('\n');
  const configFile = join(dir, 'zoo.cfg');
  await writeFile(configFile, `${config}\n`);
  const logFile = join(dir, 'zookeeper.log');
  const child = spawnDaemon({
    command: java,
    args: [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      // C1 only: answers sooner after start (ClickHouse gives a ZooKeeper connection 1 s) and costs less CPU.
      '-XX:TieredStopAtLevel=1',
      '-cp',
      jar,
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      configFile,
    ],
    logFile,
    cwd: dir,
    detached: options.detached ?? false,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ZooKeeper (${java})`);
  try {
    await waitUntil(
      `ZooKeeper on port ${port}`,
      async () => (await fourLetterWord(port, 'ruok')) === 'imok' && (await openSession(port)),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        abortIf: () => (isAlive(pid) ? undefined : 'the ZooKeeper process exited'),
      },
    );
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await killProcess(pid);
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `${(error as Error).message}\n--- log (tail) ---\n${log.split('\n').slice(-20).join('\n')}`,
    );
  }
  return { kind: 'zookeeper', pid, port, dir, startupMs: Date.now() - started };
}

export async function stopZooKeeper(zooKeeper: Pick<LocalZooKeeper, 'pid' | 'dir'>): Promise<void> {
  await stopProcess(zooKeeper.pid, 5_000);
  await rm(zooKeeper.dir, { recursive: true, force: true });
}
