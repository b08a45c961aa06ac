/**
 * Connected components of an undirected graph over BIGINT node ids, entirely inside DuckDB.
 *
 * Input: a table of edges `(a BIGINT, b BIGINT)` (any orientation, duplicates and self-loops allowed).
 * Output: TEMP table `_cc_components(node BIGINT, component BIGINT)`: one row for every node that appears
 * in an edge; `component` is the smallest node id of its component. Nodes without edges are absent.
 *
 * Algorithm: min-hooking with contraction and pointer jumping (a set-based Shiloach–Vishkin variant).
 * The working graph holds only current roots, oriented `a > b`. Each round:
 *   1. hook: every root with a smaller neighbour points at its smallest neighbour (parent < node, so no
 *      cycles);
 *   2. flatten the hook forest by pointer jumping (`parent := parent(parent)`) until every parent is a
 *      root that did not hook: O(log chain length) passes;
 *   3. contract: rewrite every edge to its endpoints' roots, drop self-loops and duplicates.
 * A root that did not hook is a local minimum; all its neighbours hooked somewhere this round, so within
 * two rounds every root takes part in a merge: the number of roots at least halves every two rounds,
 * giving O(log n) rounds of O(log n) set-based passes each. Nothing grows quadratically (unlike a recursive
 * CTE), and a 2000-link chain takes one round of ~11 jumps instead of 2000 label-propagation passes.
 * Finally the per-round hooks (each node hooks at most once) form a forest resolved by pointer jumping.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryNumber } from '../db/connection.js';
import { quoteIdentifier } from '../sql/identifiers.js';
import { dropTempTables } from './temp-tables.js';

export interface ComponentStats {
  readonly rounds: number;
  readonly jumps: number;
}

/** Safety net: far above log2 of any realistic graph; reaching it means a bug, not a big input. */
const MAX_PASSES = 200;

async function flatten(connection: DuckDBConnection, table: '_cc_hook' | '_cc_parent'): Promise<number> {
  const name = quoteIdentifier(table);
  for (let jumps = 0; jumps < MAX_PASSES; jumps++) {
    const pending = await queryNumber(connection, {
      sql: `SELECT count(*) FROM ${name} h JOIN ${name} g ON g.node = h.parent`,
    });
    if (pending === 0) return jumps;
    await execute(connection, {
      sql: `CREATE OR REPLACE TEMP TABLE ${name} AS
            SELECT h.node, coalesce(g.parent, h.parent) AS parent
            FROM ${name} h LEFT JOIN ${name} g ON g.node = h.parent`,
    });
  }
  throw new Error(`connected components: pointer jumping did not converge in ${MAX_PASSES} passes`);
}

/** Computes `_cc_components` from the edge table `edgesTable` (an internal, fixed table name). */
export async function connectedComponents(connection: DuckDBConnection, edgesTable: string): Promise<ComponentStats> {
  const edges = quoteIdentifier(edgesTable);
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _cc_graph AS
          SELECT DISTINCT greatest(a, b) AS a, least(a, b) AS b FROM ${edges} WHERE a <> b`,
  });
  await execute(connection, { sql: 'CREATE OR REPLACE TEMP TABLE _cc_parent (node BIGINT, parent BIGINT)' });

  let rounds = 0;
  let jumps = 0;
  while ((await queryNumber(connection, { sql: 'SELECT count(*) FROM _cc_graph' })) > 0) {
    if (++rounds > MAX_PASSES) throw new Error(`connected components did not converge in ${MAX_PASSES} rounds`);
    await execute(connection, {
      sql: 'CREATE OR REPLACE TEMP TABLE _cc_hook AS SELECT a AS node, min(b) AS parent FROM _cc_graph GROUP BY a',
    });
    jumps += await flatten(connection, '_cc_hook');
    await execute(connection, { sql: 'INSERT INTO _cc_parent SELECT node, parent FROM _cc_hook' });
    await execute(connection, {
      sql: `CREATE OR REPLACE TEMP TABLE _cc_graph AS
            SELECT DISTINCT greatest(ra, rb) AS a, least(ra, rb) AS b
            FROM (
              SELECT coalesce(ha.parent, g.a) AS ra, coalesce(hb.parent, g.b) AS rb
              FROM _cc_graph g
              LEFT JOIN _cc_hook ha ON ha.node = g.a
              LEFT JOIN _cc_hook hb ON hb.node = g.b
            )
            WHERE ra <> rb`,
    });
  }
  jumps += await flatten(connection, '_cc_parent');
  await execute(connection, {
    sql: `CREATE OR REPLACE TEMP TABLE _cc_components AS
          SELECT node, parent AS component FROM _cc_parent
          UNION ALL
          SELECT DISTINCT parent AS node, parent AS component FROM _cc_parent
          WHERE parent NOT IN (SELECT node FROM _cc_parent)`,
  });
  await dropTempTables(connection, ['_cc_graph', '_cc_hook', '_cc_parent']);
  return { rounds, jumps };
}
