/** Unified attribute names across profile sources: case-insensitive, first spelling in config order wins. */
import type { ConsentConfig } from './schema.js';

export function unifiedAttributeNames(config: Pick<ConsentConfig, 'sources'>): string[] {
  const byLower = new Map<string, string>();
  for (const source of config.sources) {
    if (source.type !== 'profiles') continue;
    for (const name of Object.keys(source.attributes)) {
      if (!byLower.has(name.toLowerCase())) byLower.set(name.toLowerCase(), name);
    }
  }
  return [...byLower.values()];
}
