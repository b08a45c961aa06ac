export * from './report-data.js';
export * from './collect-report-data.js';
export * from './render-report.js';
export * from './write-report.js';
