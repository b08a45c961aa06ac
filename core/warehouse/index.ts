export * from './layout.js';
export * from './atomic-file.js';
export * from './current-run.js';
export * from './retention.js';
export * from './run-databases.js';
export * from './warehouse-lock.js';
export * from './warehouse-id.js';
export * from './run-summary.js';
