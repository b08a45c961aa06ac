/**
 * matching.phoneCountryCode: national phone numbers get the country code, so the formats people write
 * one number in become one key — in profile sources, consent sources, configured placeholders and the
 * CLI look-up alike (the SQL and its JavaScript mirror agree on every case). Unset: digits only.
 */
import { describe, expect, test } from 'vitest';
import { lookupKey } from '../../../client/commands/profile.js';
import { queryRows } from '../../../core/db/connection.js';
import { normalisePhoneSql, normalisePhoneValue, phoneNumberingOf } from '../../../core/sql/normalise.js';
import { ParamBag, bindPhoneNumbering } from '../../../core/import/sql-params.js';
import { freshWorkspaceAndDbForEachTest, consentSource, crmSource, importAll, profileRecords, rejectTuples, type Db, type Workspace } from './helpers.js';

let ws: Workspace;
let db: Db;
freshWorkspaceAndDbForEachTest((freshWs, freshDb) => {
  ws = freshWs;
  db = freshDb;
});

const CASES: [raw: string, uk: string | null, nanp: string | null, digitsOnly: string | null][] = [
  ['+44 20 7946 0958', '442079460958', '442079460958', '442079460958'],
  ['020 7946 0958', '442079460958', '10207946095' + '8', '02079460958'],
  // The bracketed trunk prefix of an international number is not dialled from abroad: not part of the key.
  ['0044 (0)20-7946-0958', '442079460958', '442079460958', '00442079460958'],
  ['+44 (0) 20 7946 0958', '442079460958', '442079460958', '442079460958'],
  ['(020) 7946 0958', '442079460958', '10207946095' + '8', '02079460958'], // national: the brackets are just grouping
  // A + before the first digit makes the number international wherever it stands.
  [' tel:+44-20-7946-0958 ', '442079460958', '442079460958', '442079460958'],
  ['(+44) 20 7946 0958', '442079460958', '442079460958', '442079460958'],
  ['\u00a0+1 (415) 555-0199', '14155550199', '14155550199', '14155550199'],
  ['415.555.0199', '444155550199', '14155550199', '4155550199'],
  ['1-415-555-0199', '4414155550199', '14155550199', '14155550199'],
  ['000-000-0000', '0000000000', '0000000000', '0000000000'], // placeholder shapes keep their digits
  ['12345', '12345', '12345', '12345'],
  ['1234567890', '1234567890', '1234567890', '1234567890'],
  ['n/a', null, null, null],
  ['4.91511E+12', null, null, null], // a spreadsheet's scientific notation: the digits are gone
  [' 4,91511e12 ', null, null, null],
  ['00', '00', '00', '00'],
  // Already international, the + lost (a numeric column, a spreadsheet): the code is not put in front twice.
  ['442079460958', '442079460958', '1442079460958', '442079460958'],
  ['442079460958.0', '442079460958', '1442079460958', '442079460958'],
  ['14155550199', '4414155550199', '14155550199', '14155550199'],
  // Too short to hold the code and a national number: national.
  ['4420794609', '444420794609', '14420794609', '4420794609'],
];

describe('phone numbering', () => {
  test('the SQL and the JavaScript mirror agree, for a country with trunk 0 and for NANP (trunk 1)', async () => {
    const uk = phoneNumberingOf({ phoneCountryCode: '44' });
    const nanp = phoneNumberingOf({ phoneCountryCode: '1' });
    expect(nanp).toEqual({ countryCode: '1', trunkPrefix: '1' });
    expect(uk).toEqual({ countryCode: '44', trunkPrefix: '0' });
    for (const [raw, ukExpected, nanpExpected, digits] of CASES) {
      const sql = async (numbering: ReturnType<typeof phoneNumberingOf>) => {
        const params = new ParamBag();
        const value = params.text(raw);
        const bound = numbering && bindPhoneNumbering(params, { matching: { phoneCountryCode: numbering.countryCode, phoneTrunkPrefix: numbering.trunkPrefix } } as never);
        const [row] = await queryRows<{ v: string | null }>(db.connection, params.statement(`SELECT ${normalisePhoneSql(value, bound)} AS v`));
        return row!.v;
      };
      expect([raw, await sql(uk), await sql(nanp), await sql(undefined)]).toEqual([raw, ukExpected, nanpExpected, digits]);
      expect([raw, normalisePhoneValue(raw, uk) ?? null, normalisePhoneValue(raw, nanp) ?? null, normalisePhoneValue(raw) ?? null]).toEqual([raw, ukExpected, nanpExpected, digits]);
    }
  });

  test('profiles and consent keyed by phone in different national and international forms become one key', async () => {
    const crm = ws.write('crm.csv', 'contact_id,email,phone,first_name,country\n1,,+44 20 7946 0958,Ann,GB\n2,,07700 900123,Bob,GB\n');
    const consent = ws.write('consent.csv', 'consent_id,phone,consent_option,consent_value,consent_date\nc1,020 7946 0958,Newsletter,yes,2024-01-01\nc2,+447700900123,Newsletter,no,2024-01-01\n');
    const config = ws.config([crmSource(crm), consentSource(consent, { keys: { phone: 'phone' } })], { matching: { phoneCountryCode: '44' } });
    await importAll(db, config);
    expect(await rejectTuples(db)).toEqual([]);
    expect(await profileRecords(db, 'record_id, phone')).toEqual([
      { record_id: '1', phone: '442079460958' },
      { record_id: '2', phone: '447700900123' },
    ]);
    expect(await db.rows('SELECT consent_id, key_value FROM consent_records ORDER BY consent_id')).toEqual([
      { consent_id: 'c1', key_value: '442079460958' },
      { consent_id: 'c2', key_value: '447700900123' },
    ]);
    expect(lookupKey('(020) 7946-0958', phoneNumberingOf(config.matching))).toEqual({ kind: 'phone', value: '442079460958' });
  });

  test('a phone in scientific notation is no key: a profile keeps no phone, a consent row is rejected saying why', async () => {
    const crm = ws.write('crm.csv', 'contact_id,email,phone,first_name,country\n1,,4.91511E+12,Ann,DE\n2,,4.91511E+12,Bob,DE\n');
    const consent = ws.write('consent.csv', 'consent_id,phone,consent_option,consent_value,consent_date\nc1,4.91511E+12,Newsletter,yes,2024-01-01\n');
    await importAll(db, ws.config([crmSource(crm), consentSource(consent, { keys: { phone: 'phone' } })]));
    expect(await profileRecords(db, 'record_id, phone')).toEqual([
      { record_id: '1', phone: null },
      { record_id: '2', phone: null },
    ]);
    expect(await db.rows('SELECT row_no, column_name, reason, detail, value FROM rejects')).toEqual([
      { row_no: '1', column_name: 'phone', reason: 'missing key', detail: 'the phone is in scientific notation: its digits were lost (a spreadsheet?)', value: '4.91511E+12' },
    ]);
  });

  test('the config checks the code and the trunk prefix, naming the key', () => {
    const sources = [crmSource(ws.write('crm.csv', 'contact_id,email,phone,first_name,country\n'))];
    expect(() => ws.config(sources, { matching: { phoneCountryCode: '+44' } })).toThrow('matching.phoneCountryCode: a country calling code: 1 to 3 digits, e.g. "44" or "1"');
    expect(() => ws.config(sources, { matching: { phoneCountryCode: '44', phoneTrunkPrefix: 'x' } })).toThrow('matching.phoneTrunkPrefix: up to 2 digits, or "" for none');
    expect(phoneNumberingOf(ws.config(sources, { matching: { phoneCountryCode: '49', phoneTrunkPrefix: '' } }).matching)).toEqual({ countryCode: '49', trunkPrefix: '' });
    expect(phoneNumberingOf(ws.config(sources).matching)).toBeUndefined();
  });
});
