import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../../core/db/connection.js';
import { lastDeliveries, type DeliveryRecord } from '../../core/exports/index.js';
import { isScientificNotation, normaliseEmailValue, normalisePhoneValue, phoneNumberingOf, type PhoneNumbering } from '../../core/sql/normalise.js';
import { warehouseLayout } from '../../core/warehouse/index.js';
import { loadConfigFrom } from '../config-path.js';
import { withCurrentRun } from '../current-run-reader.js';
import { EXIT_FAILURE, EXIT_OK, CliError, EXIT_USAGE } from '../exit-codes.js';
import type { CommandHandler } from '../cli.js';

/**
 * The look-up key: an email (normalised as the sources' emails are) when it has an @, otherwise a phone normalised as
 * the sources' phones are (digits only, or with `matching.phoneCountryCode`, the national number's country code).
 */
export function lookupKey(raw: string, numbering?: PhoneNumbering): { kind: 'email' | 'phone'; value: string } | undefined {
  const trimmed = raw.normalize('NFC').trim();
  if (trimmed.includes('@')) {
    const email = normaliseEmailValue(trimmed);
    return email ? { kind: 'email', value: email } : undefined;
  }
  const phone = normalisePhoneValue(trimmed, numbering);
  return phone ? { kind: 'phone', value: phone } : undefined;
}

/**
 * Why `raw` is no look-up key (lookupKey gave none), in one line. The input is quoted only when it is
 * scientific notation (no longer a usable phone number); other input may be a name: never echoed.
 */
export function lookupKeyProblem(raw: string): string {
  const trimmed = raw.normalize('NFC').trim();
  if (trimmed === '') return 'the email or phone number to look up is empty';
  if (isScientificNotation(trimmed)) {
    return `"${trimmed}" is a number in scientific notation (a spreadsheet?): its digits are lost; look up the full phone number or an email`;
  }
  if (trimmed.includes('@')) return 'not a usable email: nothing is left of it once normalised as the sources\' emails are';
  if (!/[0-9]/.test(trimmed)) return 'neither an email (no @) nor a phone number (no digits): look up a customer by email or phone number';
  return 'not a usable phone number: no digits are left of it once normalised as the sources\' phone numbers are';
}

/** The consent record a delivery or removal cites: `<source> <consent id> dated <date>`. */
function consentRecordText(d: DeliveryRecord): string {
  return `consent ${[d.consent_source, d.consent_id].filter((part) => part).join(' ')}${d.consent_date ? ` dated ${d.consent_date}` : ''}`;
}

/** What allowed a delivery (the deciding consent record, the purpose's default, no consent check), or why a removal happened. */
function deliveryBasis(d: DeliveryRecord): string {
  if (d.change === 'removed') {
    if (!d.withdrawn) return 'left the segment (or the profile is gone)';
    return d.consent_basis === 'expired' ? `consent expired (re-consent needed): the grant ${consentRecordText(d)} is older than the purpose's expiresAfter` : `withdrawn: ${consentRecordText(d)}`;
  }
  if (d.purpose.trim().toLowerCase() === 'none') return 'internal export (purpose none): no consent check';
  if (d.consent_source === null) return `consent by the ${d.purpose} default`;
  return consentRecordText(d);
}

const PROFILE_USAGE = 'usage: consent profile <email|phone> [--config PATH]';

/** `consent profile <email|phone>`: the unified profile, its source records and effective consent with lineage. */
/**
 * The customer's effective consent with lineage, and whether the deciding record's date had no time of
 * day (`date_only`: it ties with a timed record of that day, so "dated 2024-05-02" must not read as
 * midnight). A run published before consent records carried date_only has no such column: left out.
 */
async function effectiveConsentOf(connection: DuckDBConnection, customerId: string): Promise<Record<string, unknown>[]> {
  const columns = 'e.purpose, e.granted, e.basis, e.source, e.consent_id, e.consent_date, e.record_count';
  try {
    return await queryRows<Record<string, unknown>>(connection, {
      sql: `SELECT ${columns},
                   (SELECT bool_or(r.date_only) FROM consent_records r
                    WHERE r.source = e.source AND r.consent_id = e.consent_id AND r.purpose = e.purpose) AS date_only
            FROM effective_consent e WHERE e.customer_id = $id ORDER BY e.purpose`,
      params: { id: customerId },
    });
  } catch {
    return queryRows<Record<string, unknown>>(connection, {
      sql: `SELECT ${columns} FROM effective_consent e WHERE e.customer_id = $id ORDER BY e.purpose`,
      params: { id: customerId },
    });
  }
}

export const runProfileCommand: CommandHandler = async ({ positionals, config: configPath, json }) => {
  if (positionals.length === 0) throw new CliError(`consent profile: which customer? give an email or phone number\n${PROFILE_USAGE}`, EXIT_USAGE);
  // An unquoted phone arrives in pieces (`consent profile +44 20 7946 0958`): it is one look-up.
  const wanted = positionals.join(' ');
  // What no config can make usable (empty, scientific notation, neither @ nor digits) is said before loading one.
  if (!lookupKey(wanted)) throw new CliError(lookupKeyProblem(wanted), EXIT_USAGE);
  const config = loadConfigFrom(configPath);
  const key = lookupKey(wanted, phoneNumberingOf(config.matching));
  if (!key) throw new CliError(lookupKeyProblem(wanted), EXIT_USAGE);
  const found = await withCurrentRun(config, async (connection, current) => {
    let ids = await queryRows<{ customer_id: string; placeholder: boolean }>(connection, {
      sql: `SELECT customer_id, bool_or(placeholder) AS placeholder FROM customer_keys
            WHERE key_kind = $kind AND key_value = $value GROUP BY customer_id ORDER BY customer_id`,
      params: { kind: key.kind, value: key.value },
    });
    // A phone typed without its country code ("425 555 0199" for "+1 425 555 0199"): match on the trailing digits.
    if (ids.length === 0 && key.kind === 'phone' && key.value.length >= 7) {
      ids = await queryRows<{ customer_id: string; placeholder: boolean }>(connection, {
        sql: `SELECT customer_id, bool_or(placeholder) AS placeholder FROM customer_keys
              WHERE key_kind = 'phone' AND suffix(key_value, $value) GROUP BY customer_id ORDER BY customer_id`,
        params: { value: key.value },
      });
    }
    const profiles = [];
    for (const { customer_id } of ids) {
      const [customer] = await queryRows<Record<string, unknown>>(connection, { sql: 'SELECT * FROM customers WHERE customer_id = $id', params: { id: customer_id } });
      // `rid` is unify's internal record number (absent in runs published before it existed): not shown.
      const records = (
        await queryRows<Record<string, unknown>>(connection, {
          sql: `SELECT p.* FROM profile_records p JOIN record_customer r USING (source, record_id) WHERE r.customer_id = $id ORDER BY p.source_rank, p.row_no`,
          params: { id: customer_id },
        })
      ).map(({ rid: _rid, ...record }) => record);
      const consent = await effectiveConsentOf(connection, customer_id);
      profiles.push({ customer, records, consent });
    }
    return { runId: current.runId, profiles, placeholder: ids.some((id) => id.placeholder), orphans: await orphansKeyedBy(connection, key) };
  });
  if (found.profiles.length === 0) {
    console.error(`no customer with that ${key.kind} in run ${found.runId}`);
    // A withdrawal keyed by this exact value that reached nobody is still the answer a complaint needs.
    if (found.orphans.length > 0) {
      if (json) console.log(JSON.stringify({ runId: found.runId, matches: 0, orphans: found.orphans }, null, 2));
      else printOrphans(found.orphans, key.kind);
    }
    return EXIT_FAILURE;
  }
  const layout = warehouseLayout(config.warehouse);
  const profiles = [];
  for (const profile of found.profiles) profiles.push({ ...profile, deliveries: await lastDeliveries(layout, String(profile.customer?.['customer_id'])) });
  if (json) {
    console.log(
      JSON.stringify({ runId: found.runId, matches: profiles.length, placeholder: found.placeholder, profiles, deliveries: profiles.flatMap((p) => p.deliveries), orphans: found.orphans }, null, 2),
    );
    return EXIT_OK;
  }
  // Several customers hold the key: say so first, so no single block is read as "the" answer.
  if (profiles.length > 1 || found.placeholder) {
    const note = found.placeholder ? ': a placeholder value, which merges no records and carries no consent' : '';
    console.log(`${profiles.length} customer${profiles.length === 1 ? '' : 's'} hold${profiles.length === 1 ? 's' : ''} this ${key.kind}${note}`);
  }
  for (const { customer, records, consent, deliveries } of profiles) {
    console.log(`customer ${String(customer?.['customer_id'])} (run ${found.runId})`);
    for (const [field, value] of Object.entries(customer ?? {})) {
      if (field === 'customer_id') continue;
      console.log(`  ${field}: ${Array.isArray(value) ? value.join(', ') : value === null ? '' : String(value)}`);
    }
    console.log('  source records:');
    for (const record of records) {
      // Keys of later rows with the same id (extra_emails / extra_phones): consent keyed by them reaches this record.
      const extra = [...((record['extra_emails'] as string[] | null | undefined) ?? []), ...((record['extra_phones'] as string[] | null | undefined) ?? [])];
      console.log(
        `    ${String(record['source'])}:${String(record['record_id'])} (row ${String(record['row_no'])}) email=${String(record['email'] ?? '')} phone=${String(record['phone'] ?? '')}` +
          (extra.length > 0 ? ` (also, from rows repeating its id: ${extra.join(', ')})` : ''),
      );
    }
    console.log('  effective consent (dates in UTC):');
    for (const c of consent) {
      const decided = c['basis'] === 'default' ? 'default (no valid record)' : `${String(c['source'])} consent ${String(c['consent_id'])}${c['consent_date'] ? ` dated ${c['date_only'] === true ? `${String(c['consent_date']).slice(0, 10)} (no time of day: ties with any time that day)` : String(c['consent_date'])}` : ' (undated)'}${c['basis'] === 'expired' ? ' — grant expired' : ''}`;
      console.log(`    ${String(c['purpose'])}: ${c['granted'] ? 'granted' : 'denied'} — decided by ${decided}; ${String(c['record_count'])} records considered`);
    }
    console.log('  last deliveries and removals:');
    for (const d of deliveries) console.log(`    ${d.published_at} ${d.export} (purpose ${d.purpose}, ${d.change}) run ${d.run_id} — ${deliveryBasis(d)}`);
    if (deliveries.length === 0) console.log('    (none)');
  }
  printOrphans(found.orphans, key.kind);
  return EXIT_OK;
};

interface OrphanRecord {
  source: string;
  consent_id: string;
  row_no: string;
  purpose: string;
  granted: boolean;
  consent_date: string | null;
  reason: string;
}

/**
 * Consent records keyed by this email or phone that reached no customer (`consent_orphans`): a withdrawal
 * for an address no profile holds, or for the same phone with or without its country code (without
 * `matching.phoneCountryCode` those are other keys). Shown because the look-up would otherwise hide them.
 */
async function orphansKeyedBy(connection: DuckDBConnection, key: { kind: string; value: string }): Promise<OrphanRecord[]> {
  try {
    return await queryRows<OrphanRecord>(connection, {
      sql: `SELECT o.source, o.consent_id, o.row_no, r.purpose, r.granted, r.consent_date, o.reason
            FROM consent_orphans o
            JOIN consent_records r ON r.source = o.source AND r.consent_id = o.consent_id AND r.row_no = o.row_no
            WHERE r.key_kind = $kind
              AND (r.key_value = $value
                   -- the same phone with or without its country code: one ends with the other
                   OR ($kind = 'phone' AND least(length(r.key_value), length($value)) >= 7
                       AND (suffix(r.key_value, $value) OR suffix($value, r.key_value))))
            ORDER BY r.consent_date DESC NULLS LAST, o.source, o.row_no`,
      params: { kind: key.kind, value: key.value },
    });
  } catch {
    return []; // a run published before these tables had these columns
  }
}

function printOrphans(orphans: readonly OrphanRecord[], kind: string): void {
  if (orphans.length === 0) return;
  console.log(`consent records keyed by this ${kind}${kind === 'phone' ? ' (with or without a country code)' : ''} that applied to no customer (consent_orphans):`);
  for (const o of orphans) {
    console.log(`  ${o.source} consent ${o.consent_id} (row ${o.row_no}): ${o.purpose} ${o.granted ? 'granted' : 'DENIED'}${o.consent_date ? ` dated ${o.consent_date}` : ' (undated)'} — not applied: ${o.reason}`);
  }
}
