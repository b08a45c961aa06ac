/**
 * HTTP destination against a local server started by the test: batches, retries with backoff on 503,
 * idempotency keys per run and batch, per-batch outcomes, and no retry on a 400.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshLocally } from '../../core/pipeline/index.js';
import { makeWorkspace, writeWorkspaceConfig } from '../support/workspace.js';

interface Received {
  key: string;
  body: { runId: string; export: string; kind: string; batch: number; batches: number; rows: Record<string, string>[] };
}

describe('HTTP destination', () => {
  let server: Server;
  let url: string;
  const attemptsByKey = new Map<string, number>();
  const accepted: Received[] = [];
  let mode: 'flaky' | 'reject' = 'flaky';

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const key = String(request.headers['idempotency-key']);
        const attempt = (attemptsByKey.get(key) ?? 0) + 1;
        attemptsByKey.set(key, attempt);
        if (mode === 'reject') return void response.writeHead(400).end('bad');
        if (attempt <= 2) return void response.writeHead(503).end('busy'); // fails the first two attempts of every batch
        if (!accepted.some((r) => r.key === key)) accepted.push({ key, body: JSON.parse(body) });
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audience?token=secret`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function workspace(send: 'full' | 'delta') {
    const dir = makeWorkspace();
    const emails = Array.from({ length: 7 }, (_, i) => `p${i}@shop.test`);
    writeFileSync(path.join(dir, 'p.csv'), `id,email\n${emails.map((e, i) => `${i},${e}`).join('\n')}\n`);
    writeFileSync(path.join(dir, 'c.csv'), `cid,email,value\n${emails.map((e, i) => `c${i},${e},yes`).join('\n')}\n`);
    return writeWorkspaceConfig(dir, {
      purposes: { Newsletter: { regime: 'opt-in' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: 'p.csv', primaryKey: 'id', keys: { email: 'email' } },
        { name: 'consent', type: 'consent', format: 'csv', path: 'c.csv', primaryKey: 'cid', keys: { email: 'email' }, purpose: 'Newsletter', value: 'value' },
      ],
      segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
      exports: [{ name: 'news-push', segment: 'news', purpose: 'Newsletter', path: 'out', fields: ['email'], http: { url, send, batchSize: 3 } }],
    });
  }

  it('delivers every row once, in batches, after retrying 503s with backoff', async () => {
    const ws = workspace('full');
    const sleeps: number[] = [];
    const result = await refreshLocally(ws.config, { runId: 'run-1', push: { sleep: async (ms) => void sleeps.push(ms) } });
    const delivery = result.deliveries[0]!;
    expect(delivery.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(delivery.batches.map((b) => [b.kind, b.batch, b.rows, b.status, b.attempts, b.ok])).toEqual([
      ['full', 0, 3, 200, 3, true],
      ['full', 1, 3, 200, 3, true],
      ['full', 2, 1, 200, 3, true],
    ]);
    expect(delivery).toMatchObject({ rowsDelivered: 7, failedBatches: 0 });
    expect(sleeps).toEqual([200, 400, 200, 400, 200, 400]);
    const keys = accepted.map((r) => r.key);
    expect(keys).toEqual(['run-1/news-push/full/0', 'run-1/news-push/full/1', 'run-1/news-push/full/2']);
    expect(accepted.flatMap((r) => r.body.rows.map((row) => row['email'])).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `p${i}@shop.test`));
    expect(accepted[0]!.body).toMatchObject({ runId: 'run-1', export: 'news-push', kind: 'full', batch: 0, batches: 3 });
    expect(JSON.stringify(delivery)).not.toContain('secret');
  });

  it('does not retry a 400 and reports the failed batches', async () => {
    mode = 'reject';
    const ws = workspace('delta');
    const result = await refreshLocally(ws.config, { runId: 'run-x', push: { sleep: async () => undefined } });
    mode = 'flaky';
    expect(result.deliveries[0]!.batches.map((b) => [b.kind, b.batch, b.status, b.attempts, b.ok, b.error])).toEqual([
      ['added', 0, 400, 1, false, 'HTTP 400'],
      ['added', 1, 400, 1, false, 'HTTP 400'],
      ['added', 2, 400, 1, false, 'HTTP 400'],
    ]);
    expect(result.deliveries[0]!.failedBatches).toBe(3);
  });
});
