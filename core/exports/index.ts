export * from './write-export.js';
export * from './publish-export.js';
export * from './combine-exports.js';
export * from './export-paths.js';
export * from './export-fields.js';
export * from './spreadsheet-safe.js';
export * from './audit-log.js';
export * from './http-push.js';
