/**
 * An export removed from the config, renamed, or moved to another folder: its latest files are removed at
 * the next publish. Left behind they would keep listing people who withdrew since, for any tool still
 * reading them. Files the previous run did not write (another manifest) are never touched.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { refreshLocally } from '../../core/pipeline/index.js';
import { makeWorkspace, newsletterWorkspaceConfig, type NewsletterExport } from '../support/workspace.js';

const PROFILES = 'id,email\n1,ann@example.org\n2,bob@example.org\n';
const GRANTS = 'consent_id,email,option,value,date\nc1,ann@example.org,Newsletter,yes,2024-01-01\nc2,bob@example.org,Newsletter,yes,2024-01-01\n';

async function refresh(dir: string, runId: string, day: number, exports: NewsletterExport[]) {
  const { config } = newsletterWorkspaceConfig(dir, exports);
  return refreshLocally(config, { runId, runStartedAt: new Date(Date.UTC(2024, 3, day)) });
}

describe('an export that is no longer in the config', () => {
  it('loses its latest files at the next publish (removed, renamed or moved), keeping its run history', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), GRANTS);
    const files = (folder: string) => readdirSync(path.join(dir, folder)).sort();

    const first = await refresh(dir, 'run-1', 1, [
      { name: 'nl', path: 'out/nl' },
      { name: 'old', path: 'out/shared' },
      { name: 'gone', path: 'out/gone' },
    ]);
    expect(first.published.retiredExports).toEqual([]);
    expect(files('out/shared')).toEqual(['old.csv', 'old.manifest.json', 'runs']);
    expect(files('out/gone')).toEqual(['gone.csv', 'gone.manifest.json', 'runs']);

    // `old` renamed to `renamed` in the same folder; `gone` removed; `nl` unchanged.
    const second = await refresh(dir, 'run-2', 2, [
      { name: 'nl', path: 'out/nl' },
      { name: 'renamed', path: 'out/shared' },
    ]);
    expect(second.published.retiredExports.sort()).toEqual(['gone', 'old']);
    expect(files('out/shared')).toEqual(['renamed.csv', 'renamed.manifest.json', 'runs']);
    expect(files('out/gone')).toEqual(['runs']);
    expect(readdirSync(path.join(dir, 'out/gone/runs/run-1')).sort()).toEqual(['gone.added.csv', 'gone.csv', 'gone.manifest.json', 'gone.removed.csv']);
    expect(files('out/nl')).toEqual(['nl.csv', 'nl.manifest.json', 'runs']);

    // `nl` moved to another folder.
    const third = await refresh(dir, 'run-3', 3, [
      { name: 'nl', path: 'out/nl-moved' },
      { name: 'renamed', path: 'out/shared' },
    ]);
    expect(third.published.retiredExports).toEqual(['nl']);
    expect(files('out/nl')).toEqual(['runs']);
    expect(files('out/nl-moved')).toEqual(['nl.csv', 'nl.manifest.json', 'runs']);
    expect(readFileSync(path.join(dir, 'out/nl-moved/nl.csv'), 'utf8')).toBe('email\nann@example.org\nbob@example.org\n');
  });

  it('never touches the files of the folder a project was copied from (folders are recorded relative to the warehouse)', async () => {
    const original = makeWorkspace();
    writeFileSync(path.join(original, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(original, 'consent.csv'), GRANTS);
    await refresh(original, 'run-1', 1, [{ name: 'nl', path: 'out/nl' }]);
    const copy = makeWorkspace();
    cpSync(original, copy, { recursive: true });

    const second = await refresh(copy, 'run-2', 2, [{ name: 'nl', path: 'out/nl' }]);
    expect(second.published.retiredExports).toEqual([]);
    expect(readdirSync(path.join(original, 'out/nl')).sort()).toEqual(['nl.csv', 'nl.manifest.json', 'runs']);
    expect(JSON.parse(readFileSync(path.join(original, 'out/nl/nl.manifest.json'), 'utf8'))).toMatchObject({ runId: 'run-1' });
    expect(JSON.parse(readFileSync(path.join(copy, 'out/nl/nl.manifest.json'), 'utf8'))).toMatchObject({ runId: 'run-2' });
  });

  it('leaves latest files alone when their manifest is not the previous run’s', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), GRANTS);
    await refresh(dir, 'run-1', 1, [
      { name: 'nl', path: 'out/nl' },
      { name: 'theirs', path: 'out/theirs' },
    ]);
    const manifest = path.join(dir, 'out/theirs/theirs.manifest.json');
    writeFileSync(manifest, JSON.stringify({ runId: 'written-by-someone-else' }));

    const second = await refresh(dir, 'run-2', 2, [{ name: 'nl', path: 'out/nl' }]);
    expect(second.published.retiredExports).toEqual([]);
    expect(existsSync(path.join(dir, 'out/theirs/theirs.csv'))).toBe(true);
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toEqual({ runId: 'written-by-someone-else' });
  });
});
