export * from './publish-run.js';
export * from './local-refresh.js';
