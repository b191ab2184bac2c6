export { type ChdbModule, chdbEngineVersion, loadChdb } from './chdb.js';
export {
  CLUSTER_PROFILE_SETTINGS,
  type ClusterNode,
  killClusterNode,
  type LocalClickHouseCluster,
  restartClusterNode,
  type StartClusterOptions,
  startClickHouseCluster,
  stopClickHouseCluster,
} from './clickhouse-cluster.js';
export {
  clickHouseVersion,
  type LocalClickHouse,
  type StartClickHouseOptions,
  startClickHouseServer,
  stopClickHouseServer,
} from './clickhouse-server.js';
export { findExecutable } from './commands.js';
export {
  type KafkaSaslSslListener,
  type KafkaSaslUser,
  keytoolBinary,
  type LocalKafka,
  resolveKafkaClasspath,
  startKafka,
  stopKafka,
  waitForKafka,
} from './kafka.js';
export {
  activeControllerId,
  type LocalKafkaCluster,
  type LocalKafkaNode,
  liveBrokerIds,
  partitionLeader,
  restartKafkaNode,
  type StartKafkaClusterOptions,
  startKafkaCluster,
  stopKafkaCluster,
  stopKafkaNode,
} from './kafka-cluster.js';
export { freePort, retryWhenPortTaken } from './ports.js';
export { isAlive, killProcess, stopProcess, waitUntil } from './processes.js';
export {
  type LocalPrometheus,
  type PrometheusScrapeJob,
  prometheusBinary,
  prometheusVersion,
  type StartPrometheusOptions,
  startPrometheus,
  stopPrometheus,
} from './prometheus.js';
export { type InfraState, readState, writeState } from './state.js';
export {
  kafkaLogsThroughLog4j2,
  kafkaVersion,
  PINNED_KAFKA_4_VERSION,
  PINNED_KAFKA_VERSION,
  VERIFIED_KAFKA_VERSIONS,
} from './versions.js';
export { type LocalZooKeeper, startZooKeeper, stopZooKeeper, zooKeeperMissing } from './zookeeper.js';
