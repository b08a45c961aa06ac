/** Which config file a command uses: --config PATH, else ./consent.config.yaml, else the bundled example. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_FILE, loadConfig, type LoadedConfig } from '../core/config/load.js';
import { PROJECT_ROOT } from '../scripts/temporal-cli.js';

export const EXAMPLE_CONFIG = path.join(PROJECT_ROOT, 'examples', 'consent.config.yaml');

export function resolveConfigPath(explicit: string | undefined): string {
  if (explicit) return path.resolve(explicit);
  const local = path.resolve(DEFAULT_CONFIG_FILE);
  return existsSync(local) ? local : EXAMPLE_CONFIG;
}

export function loadConfigFrom(explicit: string | undefined): LoadedConfig {
  return loadConfig(resolveConfigPath(explicit));
}
