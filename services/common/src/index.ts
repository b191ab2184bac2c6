export { ConfigError, EnvReader } from './env-reader.js';
export { isEntryPoint, type RunningService, runService, type ServiceDefinition } from './run-service.js';
