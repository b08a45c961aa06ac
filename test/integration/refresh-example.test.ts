/**
 * Foundation end-to-end: RefreshWorkflow on the seed's example data through a real worker and the real
 * dev server; exact export file contents asserted.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refreshNow, waitForRefresh } from '../../client/refresh-now.js';
import type { RefreshResult } from '../../workflows/refresh-types.js';
import { exampleWorkspace, type Workspace } from '../support/workspace.js';
import { startRuntime, uniqueQueue, type TestRuntime } from '../support/temporal.js';

describe('refresh on the example data', () => {
  let workspace: Workspace;
  let runtime: TestRuntime;
  let result: RefreshResult;

  beforeAll(async () => {
    workspace = exampleWorkspace(inject('temporalAddress'), uniqueQueue('example'));
    runtime = await startRuntime(workspace.config);
    const started = await refreshNow(runtime.client, workspace.config);
    result = await waitForRefresh(runtime.client, started.workflowId);
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  function csvLines(file: string): string[] {
    return readFileSync(file, 'utf8').trimEnd().split('\n');
  }

  it('writes frank, and only frank, to the Newsletter export', () => {
    const lines = csvLines(path.join(workspace.dir, 'exports/newsletter/newsletter-file.csv'));
    expect(lines[0]).toBe('customer_id,email,first_name');
    expect(lines.slice(1).map((line) => line.split(',').slice(1).join(','))).toEqual(['frank@contoso.com,Frank']);
  });

  it('writes holly, and only holly, to the Product updates export', () => {
    const lines = csvLines(path.join(workspace.dir, 'exports/product-updates/product-updates-file.csv'));
    expect(lines.slice(1).map((line) => line.split(',').slice(1).join(','))).toEqual(['holly@contoso.com,Holly']);
  });

  it('reports counts only: sources, customers, segments, exports', () => {
    expect(result.sources.map((s) => [s.source, s.rowsRead, s.rowsRejected])).toEqual([
      ['crm', 2, 0],
      ['consent', 4, 0],
    ]);
    expect(result.unify.customers).toBe(2);
    expect(result.segments.map((s) => [s.segment, s.members])).toEqual([
      ['newsletter', 1],
      ['product-updates', 1],
    ]);
    expect(result.exports.map((e) => [e.export, e.rowsWritten, e.heldBack])).toEqual([
      ['newsletter-file', 1, 0],
      ['product-updates-file', 1, 0],
    ]);
    expect(JSON.stringify(result)).not.toMatch(/contoso|holly|frank/i);
  });

  it('writes a manifest whose checksum matches the file', async () => {
    const folder = path.join(workspace.dir, 'exports/newsletter');
    const manifest = JSON.parse(readFileSync(path.join(folder, 'newsletter-file.manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ runId: result.runId, export: 'newsletter-file', segment: 'newsletter', purpose: 'Newsletter', rowCount: 1 });
    const { createHash } = await import('node:crypto');
    const full = manifest.files.find((f: { kind: string }) => f.kind === 'full');
    expect(full.path).toBe('newsletter-file.csv');
    expect(full.sha256).toBe(createHash('sha256').update(readFileSync(path.join(folder, 'newsletter-file.csv'))).digest('hex'));
  });

  it('publishes the run as current', () => {
    const current = JSON.parse(readFileSync(path.join(workspace.config.warehouse, 'current.json'), 'utf8'));
    expect(current.runId).toBe(result.runId);
    expect(existsSync(path.join(workspace.config.warehouse, 'runs', `${result.runId}.duckdb`))).toBe(true);
  });
});
