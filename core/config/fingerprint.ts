/**
 * A short fingerprint of what a config makes a refresh do (purposes, sources, matching, segments, exports,
 * retention; not where Temporal or the schedule are). A worker runs the config it loaded when it started:
 * `consent refresh --wait` compares the worker's fingerprint with the file's and warns when they differ.
 */
import { createHash } from 'node:crypto';
import type { LoadedConfig } from './load.js';

export function configFingerprint(config: LoadedConfig): string {
  const { purposes, sources, matching, segments, exports, retention } = config;
  return createHash('sha256').update(JSON.stringify({ purposes, sources, matching, segments, exports, retention })).digest('hex').slice(0, 16);
}
