/** The console's parts other packages and tests build on. */
export { buildConsoleApp, type ConsoleAppOptions, type ConsoleDeps } from './app.js';
export { type Captured, captureOutput } from './cli-context.js';
export { type ConsoleConfig, isLoopbackHost, loadConsoleConfig } from './config.js';
export { csrfField, escapeHtml, type Flash, type PageName, type PageOptions, renderPage } from './page.js';
export { startConsole } from './server.js';
