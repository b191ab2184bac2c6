export {
  CLUSTER_TABLE_LAYOUTS,
  type ClusterTableLayout,
  type ClusterTarget,
  clusterStatements,
  LOCAL_TABLE_SUFFIX,
} from './cluster-ddl.js';
export {
  isAddColumnRerun,
  loadMigrations,
  type Migration,
  type MigrationReport,
  migrate,
  type SqlExecutor,
  splitStatements,
} from './migrate.js';
