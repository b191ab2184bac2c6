/** What other packages (the console) reuse from the CLI: the context and the command bodies' building blocks. */
export { auditActor } from './audit.js';
export { type CliContext, createContext } from './context.js';
export { CliError, EXIT, type ExitCode } from './exit-codes.js';
export { type EnvelopePublisher, openEnvelopePublisher } from './kafka/envelope-publisher.js';
export { createOutput, type Output } from './output.js';
export { type AuditRow, openWarehouseAccess, type WarehouseAccess } from './warehouse-access.js';
