export * from './publish-run.js';
export * from './local-refresh.js';
export * from './deliver.js';
export * from './dropped-sources.js';
