/**
 * An export whose format changes between refreshes: the folder's latest files are the new format's only.
 * A latest file of the old format left beside them would keep listing people who withdrew since.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { refreshLocally } from '../../core/pipeline/index.js';
import { makeWorkspace, newsletterWorkspaceConfig } from '../support/workspace.js';

const PROFILES = 'id,email\n1,ann@example.org\n2,bob@example.org\n';
const GRANTS = 'consent_id,email,option,value,date\nc1,ann@example.org,Newsletter,yes,2024-01-01\nc2,bob@example.org,Newsletter,yes,2024-01-01\n';
const ANN_WITHDRAWS = `${GRANTS}c3,ann@example.org,Newsletter,no,2024-03-01\n`;

function writeConfig(dir: string, format: 'csv' | 'jsonl' | 'parquet') {
  return newsletterWorkspaceConfig(dir, [{ name: 'nl', path: 'out/nl', format }]);
}

describe('an export changing format between refreshes', () => {
  it('removes the latest file of the old format at publish, after the new manifest is in place', async () => {
    const dir = makeWorkspace();
    writeFileSync(path.join(dir, 'profiles.csv'), PROFILES);
    writeFileSync(path.join(dir, 'consent.csv'), GRANTS);
    await refreshLocally(writeConfig(dir, 'csv').config, { runId: 'run-1', runStartedAt: new Date('2024-04-01T00:00:00Z') });
    const folder = path.join(dir, 'out/nl');
    expect(readdirSync(folder).sort()).toEqual(['nl.csv', 'nl.manifest.json', 'runs']);

    writeFileSync(path.join(dir, 'consent.csv'), ANN_WITHDRAWS);
    await refreshLocally(writeConfig(dir, 'jsonl').config, { runId: 'run-2', runStartedAt: new Date('2024-04-02T00:00:00Z') });
    expect(readdirSync(folder).sort()).toEqual(['nl.jsonl', 'nl.manifest.json', 'runs']);
    expect(readFileSync(path.join(folder, 'nl.jsonl'), 'utf8')).toBe('{"email":"bob@example.org"}\n');
    expect(JSON.parse(readFileSync(path.join(folder, 'nl.manifest.json'), 'utf8'))).toMatchObject({ runId: 'run-2', format: 'jsonl', rowCount: 1 });
    // The run folders keep each run's own files: they are history, named by run.
    expect(readdirSync(path.join(folder, 'runs/run-1'))).toContain('nl.csv');
  });
});
