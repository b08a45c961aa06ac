/**
 * Connected components in SQL: long chains in few rounds, and agreement with a union-find reference
 * on random graphs.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execute, queryRows } from '../../../core/db/connection.js';
import { connectedComponents } from '../../../core/unify/connected-components.js';
import { memoryConnectionForFile } from './inputs.js';

let connection: DuckDBConnection;
memoryConnectionForFile((opened) => (connection = opened));

async function components(edges: readonly (readonly [number, number])[]): Promise<{ labels: Map<number, number>; rounds: number }> {
  await execute(connection, { sql: 'CREATE OR REPLACE TEMP TABLE test_edges (a BIGINT, b BIGINT)' });
  if (edges.length > 0) {
    const appender = await connection.createAppender('test_edges', 'main', 'temp');
    for (const [a, b] of edges) {
      appender.appendBigInt(BigInt(a));
      appender.appendBigInt(BigInt(b));
      appender.endRow();
    }
    appender.closeSync();
  }
  const stats = await connectedComponents(connection, 'test_edges');
  const rows = await queryRows<{ node: string; component: string }>(connection, { sql: 'SELECT node, component FROM _cc_components' });
  return { labels: new Map(rows.map((row) => [Number(row.node), Number(row.component)])), rounds: stats.rounds };
}

/** Union-find reference: node → smallest node of its component, for every node in an edge. */
function referenceComponents(edges: readonly (readonly [number, number])[]): Map<number, number> {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    return root;
  };
  for (const [a, b] of edges) {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  return new Map([...parent.keys()].map((node) => [node, find(node)]));
}

describe('connectedComponents', () => {
  it('resolves a 2000-link chain with shuffled ids in a handful of rounds', async () => {
    const n = 2001;
    const id = (i: number) => ((i * 7919) % 2003) + 10; // a permutation: node ids are not in chain order
    const edges = Array.from({ length: n }, (_, i) => [id(i), id(i + 1)] as const);
    const { labels, rounds } = await components(edges);
    expect(labels.size).toBe(n + 1);
    expect(new Set(labels.values())).toEqual(new Set([10]));
    expect(rounds).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) + 2);
  });

  it('resolves an ordered chain in one round (pointer jumping, not one pass per link)', async () => {
    const edges = Array.from({ length: 2000 }, (_, i) => [i + 1, i + 2] as const);
    const { labels, rounds } = await components(edges);
    expect(new Set(labels.values())).toEqual(new Set([1]));
    expect(rounds).toBe(1);
  });

  it('handles no edges, self-loops and duplicates', async () => {
    expect((await components([])).labels.size).toBe(0);
    const { labels } = await components([[5, 5], [7, 6], [6, 7], [6, 7]]);
    expect(Object.fromEntries(labels)).toEqual({ 6: 6, 7: 6 });
  });

  it('agrees with union-find on random graphs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { maxLength: 60 }), async (edges) => {
        const expected = new Map([...referenceComponents(edges)].filter(([node]) => edges.some(([a, b]) => (a !== b && (a === node || b === node)))));
        const { labels } = await components(edges);
        expect(Object.fromEntries(labels)).toEqual(Object.fromEntries(expected));
      }),
      { numRuns: 100 },
    );
  });
});
