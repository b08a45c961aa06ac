import { expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load.js';
import { configNotes } from '../../../client/preflight.js';

it('notes an export guarded by a purpose its segment does not select on', () => {
  const config = parseConfig(
    {
      purposes: { Newsletter: { regime: 'opt-in' }, 'Product updates': { regime: 'opt-in' } },
      sources: [{ name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email' }, attributes: { country: 'country' } }],
      segments: [
        { name: 'newsletter', rule: 'Consent option = Newsletter & Consent value = True' },
        { name: 'not-newsletter', rule: 'not (Consent option = Newsletter & Consent value = True) & country = DE' },
        { name: 'germany', rule: 'country = DE' },
      ],
      exports: [
        { name: 'a', segment: 'newsletter', purpose: 'Product updates', path: 'out/a', fields: ['email'] },
        { name: 'b', segment: 'newsletter', purpose: 'newsletter', path: 'out/b', fields: ['email'] },
        { name: 'c', segment: 'germany', purpose: 'Product updates', path: 'out/c', fields: ['email'] },
        { name: 'd', segment: 'not-newsletter', purpose: 'Product updates', path: 'out/d', fields: ['email'] },
        { name: 'e', segment: 'newsletter', purpose: 'none', path: 'out/e', fields: ['email'] },
      ],
    },
    '/project/consent.config.yaml',
  );
  expect(configNotes(config)).toEqual([
    'export "a" is guarded by Product updates, but its segment "newsletter" selects on Newsletter: only customers who also granted Product updates are written',
  ]);
});
