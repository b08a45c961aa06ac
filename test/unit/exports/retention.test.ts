import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneExportRuns } from '../../../core/exports/index.js';
import { neutraliseFormula } from '../../../core/exports/spreadsheet-safe.js';
import { makeWorkspace } from '../../support/workspace.js';

describe('export retention', () => {
  it('keeps the newest N run folders and the current run, removes the rest', () => {
    const folder = makeWorkspace();
    const runs = ['run-a', 'run-b', 'run-c', 'run-d', 'run-e'];
    runs.forEach((runId, index) => {
      const dir = path.join(folder, 'runs', runId);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'x.csv'), 'x');
      const time = new Date(Date.now() - (runs.length - index) * 60_000);
      utimesSync(dir, time, time);
    });
    expect(pruneExportRuns(folder, 2, 'run-a')).toEqual(['run-b', 'run-c']);
    expect(readdirSync(path.join(folder, 'runs')).sort()).toEqual(['run-a', 'run-d', 'run-e']);
  });
});

describe('spreadsheet-safe cells', () => {
  it.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['plain', 'plain'],
    ['a=b', 'a=b'],
  ])('%j → %j', (value, expected) => {
    expect(neutraliseFormula(value)).toBe(expected);
  });
});
