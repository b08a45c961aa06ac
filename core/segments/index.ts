export * from './build-segment.js';
export * from './combine-segments.js';
export * from './segment-tables.js';
export * from './previous-run.js';
