export {
  loadMigrations,
  type Migration,
  type MigrationReport,
  migrate,
  type SqlExecutor,
  splitStatements,
} from './migrate.js';
