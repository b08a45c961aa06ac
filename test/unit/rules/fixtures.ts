/** Shared rule-test fixtures: a rule context and a small in-memory run database. */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { execute, openInstance, queryRows, withConnection } from '../../../core/db/connection.js';
import { RuleError } from '../../../core/errors.js';
import { compileRule, parseRule, type RuleAst, type RuleContext } from '../../../core/rules/index.js';

export const ctx: RuleContext = {
  segment: 'test-segment',
  attributes: ['country', 'first_name', 'age', 'signup_date', 'vip'],
  purposes: ['Newsletter', 'Product updates', 'Sale of data'],
};

/** The RuleError a rule text raises, as `{ position, reason }`; fails the test when it parses. */
export function ruleError(text: string, context: RuleContext = ctx): { position: number; reason: string } {
  try {
    parseRule(text, context);
  } catch (error) {
    if (error instanceof RuleError) return { position: error.position, reason: error.reason };
    throw error;
  }
  throw new Error(`expected a RuleError for ${JSON.stringify(text)}`);
}

/** 1-based position of the first occurrence of `fragment` in `text`. */
export const at = (text: string, fragment: string): number => {
  const index = text.indexOf(fragment);
  if (index < 0) throw new Error(`"${fragment}" not in "${text}"`);
  return index + 1;
};

const CUSTOMERS: readonly (readonly (string | null)[])[] = [
  // customer_id, email, phone, country, first_name, age, signup_date, vip
  ['c1', 'a@x.com', '491701', 'DE', 'Anna van Berg', '34', '2024-03-01', 'true'],
  ['c2', 'b@x.com', '491702', 'de', 'Bob', '17', '2023-12-31 08:00:00', 'false'],
  ['c3', null, null, null, '   ', 'unknown', null, null],
  ['c4', 'd@x.com', null, 'AT', "O'Brien", '18.0', 'not a date', 'yes'],
  ['c5', 'e@x.com', '491705', 'FR', '100%_sure', '65', '2025-01-01', '1'],
];

/** customer → [Newsletter, Product updates, Sale of data] */
const CONSENT: Record<string, readonly boolean[]> = {
  c1: [true, false, true],
  c2: [false, true, true],
  c3: [true, true, false],
  c4: [false, false, false],
  c5: [false, true, true],
};

export async function createRunDatabase(connection: DuckDBConnection): Promise<void> {
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE customers (customer_id VARCHAR, email VARCHAR, phone VARCHAR, country VARCHAR,
      first_name VARCHAR, age VARCHAR, signup_date VARCHAR, vip VARCHAR, source_records VARCHAR[], record_count INTEGER)`,
  });
  await execute(connection, {
    sql: `CREATE OR REPLACE TABLE effective_consent (customer_id VARCHAR, purpose VARCHAR, granted BOOLEAN, basis VARCHAR,
      source VARCHAR, consent_id VARCHAR, consent_date TIMESTAMP, record_count INTEGER)`,
  });
  await execute(connection, { sql: 'CREATE OR REPLACE TABLE t (x INTEGER)' });
  for (const row of CUSTOMERS) {
    const params = Object.fromEntries(row.map((value, index) => [`v${index}`, value]));
    await execute(connection, { sql: `INSERT INTO customers VALUES ($v0, $v1, $v2, $v3, $v4, $v5, $v6, $v7, [], 1)`, params });
  }
  for (const [customer, granted] of Object.entries(CONSENT)) {
    for (const [index, purpose] of ctx.purposes.entries()) {
      await execute(connection, {
        sql: `INSERT INTO effective_consent VALUES ($c, $p, $g, 'record', 'consent', 'k', NULL, 1)`,
        params: { c: customer, p: purpose, g: granted[index] ?? false },
      });
    }
  }
}

export async function openRunDatabase(): Promise<DuckDBInstance> {
  const instance = await openInstance(':memory:');
  await withConnection(instance, createRunDatabase);
  return instance;
}

/** Members of a rule (text or AST), sorted. */
export async function members(instance: DuckDBInstance, rule: string | RuleAst, context: RuleContext = ctx): Promise<string[]> {
  const ast = typeof rule === 'string' ? parseRule(rule, context) : rule;
  const { sql, params } = compileRule(ast, context);
  const rows = await withConnection(instance, (connection) =>
    queryRows<{ customer_id: string }>(connection, { sql: `SELECT c.customer_id FROM customers c WHERE ${sql} ORDER BY c.customer_id`, params }),
  );
  return rows.map((row) => row.customer_id);
}
