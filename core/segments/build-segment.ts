/**
 * One segment of one run: rule → SQL → membership table, then the diff against the previous published
 * run's membership (added / removed / unchanged). CREATE OR REPLACE keeps re-runs idempotent.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { unifiedAttributeNames } from '../config/attributes.js';
import type { LoadedConfig } from '../config/load.js';
import { execute, queryRows } from '../db/connection.js';
import { compileRule, ruleFromConfig, type RuleContext } from '../rules/index.js';
import type { RuleAst } from '../rules/ast.js';
import { writeMembershipChanges } from './previous-run.js';
import { segmentChangesTable, segmentMembersTable } from './segment-tables.js';

export interface SegmentResult {
  readonly segment: string;
  readonly members: number;
  readonly added: number;
  readonly removed: number;
  readonly unchanged: number;
}

export function ruleContext(config: LoadedConfig, segmentIndex: number): RuleContext {
  const segment = config.segments[segmentIndex];
  if (!segment) throw new Error(`no segment at index ${segmentIndex}`);
  return { segment: segment.name, attributes: unifiedAttributeNames(config), purposes: Object.keys(config.purposes) };
}

/** Compiles a segment's rule; throws RuleError naming the segment and position. */
export function compileSegment(config: LoadedConfig, segmentIndex: number) {
  const context = ruleContext(config, segmentIndex);
  const ast = ruleFromConfig(config.segments[segmentIndex]!.rule, context);
  return compileRule(ast, context);
}

/** The purposes a segment's rule requires to be granted (positively, outside any `not`), in rule order. */
export function segmentGrantedPurposes(config: LoadedConfig, segmentIndex: number): string[] {
  const found: string[] = [];
  const walk = (node: RuleAst, negated: boolean): void => {
    if ('and' in node) node.and.forEach((child) => walk(child, negated));
    else if ('or' in node) node.or.forEach((child) => walk(child, negated));
    else if ('not' in node) walk(node.not, !negated);
    else if ('consent' in node && node.granted !== negated && !found.includes(node.consent)) found.push(node.consent);
  };
  walk(ruleFromConfig(config.segments[segmentIndex]!.rule, ruleContext(config, segmentIndex)), false);
  return found;
}

export async function buildSegment(connection: DuckDBConnection, config: LoadedConfig, segmentIndex: number): Promise<SegmentResult> {
  const segment = config.segments[segmentIndex]!;
  const compiled = compileSegment(config, segmentIndex);
  const members = segmentMembersTable(segmentIndex);
  const changes = segmentChangesTable(segmentIndex);
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE ${members} AS SELECT c.customer_id FROM customers c WHERE ${compiled.sql} ORDER BY c.customer_id`,
    params: compiled.params,
  });
  await writeMembershipChanges(connection, { members, changes }, { table: 'segment_members', name: segment.name });
  const [counts] = await queryRows<{ members: string; added: string; removed: string }>(connection, {
    sql: `SELECT (SELECT count(*) FROM ${members}) AS members,
                 (SELECT count(*) FROM ${changes} WHERE change = 'added') AS added,
                 (SELECT count(*) FROM ${changes} WHERE change = 'removed') AS removed`,
  });
  const memberCount = Number(counts?.members ?? 0);
  const added = Number(counts?.added ?? 0);
  return { segment: segment.name, members: memberCount, added, removed: Number(counts?.removed ?? 0), unchanged: memberCount - added };
}
