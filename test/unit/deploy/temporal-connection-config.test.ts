/** TLS / mTLS and API key options for an existing Temporal cluster: config parsing, env overrides, SDK options. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionOptions, temporalSettings, tlsOptions, withTemporalEnv } from '../../../client/temporal-connection.js';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';

const CONFIG_FILE = '/project/conf/consent.config.yaml';

const base = (temporal?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...(temporal ? { temporal } : {}),
  purposes: { Newsletter: { regime: 'opt-in' } },
  sources: [{ name: 'crm', type: 'profiles', format: 'csv', path: './crm.csv', primaryKey: 'id', keys: { email: 'email' } }],
  ...extra,
});

function errorOf(raw: unknown): ConfigError {
  try {
    parseConfig(raw, CONFIG_FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('temporal.tls and temporal.apiKey in the config', () => {
  it('keeps the existing defaults when nothing is set', () => {
    const config = parseConfig(base(), CONFIG_FILE);
    expect(config.temporal).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'consent-refresh' });
    expect(config.temporal.tls).toBeUndefined();
    expect(config.worker).toEqual({ logFormat: 'text' });
  });

  it('resolves certificate paths against the config folder and leaves the server name alone', () => {
    const config = parseConfig(
      base({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', tls: { serverName: 'ns.acct.tmprl.cloud', serverRootCACert: 'certs/ca.pem', clientCert: './certs/client.pem', clientKey: '/secrets/client.key' } }),
      CONFIG_FILE,
    );
    expect(config.temporal.tls).toEqual({
      serverName: 'ns.acct.tmprl.cloud',
      serverRootCACert: '/project/conf/certs/ca.pem',
      clientCert: '/project/conf/certs/client.pem',
      clientKey: '/secrets/client.key',
    });
    expect(config.temporal.taskQueue).toBe('consent-refresh');
  });

  it('accepts an empty tls section (TLS with the system roots) and an API key', () => {
    const config = parseConfig(base({ tls: {}, apiKey: 'key-from-file' }), CONFIG_FILE);
    expect(config.temporal.tls).toEqual({});
    expect(config.temporal.apiKey).toBe('key-from-file');
  });

  it.each([
    [{ tls: { clientCert: 'c.pem' } }, 'temporal.tls.clientKey: mTLS needs both clientCert and clientKey'],
    [{ tls: { clientKey: 'c.key' } }, 'temporal.tls.clientCert: mTLS needs both clientCert and clientKey'],
    [{ tls: { caCert: 'ca.pem' } }, 'temporal.tls: '],
    [{ tls: true }, 'temporal.tls: '],
    [{ apiKey: '' }, 'temporal.apiKey: '],
  ])('names the key path of a bad setting %#', (temporal, expected) => {
    expect(errorOf(base(temporal)).message).toContain(expected);
  });

  it('validates the worker section', () => {
    expect(parseConfig(base(undefined, { worker: { metricsAddress: '0.0.0.0:9464', logFormat: 'json' } }), CONFIG_FILE).worker).toEqual({ metricsAddress: '0.0.0.0:9464', logFormat: 'json' });
    expect(parseConfig(base(undefined, { worker: { metricsAddress: '9464' } }), CONFIG_FILE).worker.metricsAddress).toBe('9464');
    expect(errorOf(base(undefined, { worker: { metricsAddress: 'localhost:9464' } })).message).toContain('worker.metricsAddress: must be IP:port');
    expect(errorOf(base(undefined, { worker: { logFormat: 'xml' } })).message).toContain('worker.logFormat: ');
    expect(errorOf(base(undefined, { worker: { threads: 2 } })).message).toContain('worker: ');
  });
});

describe('environment overrides', () => {
  const temporal = { address: 'localhost:7233', namespace: 'default', taskQueue: 'consent-refresh', apiKey: 'from-file' };

  it('lets CONSENT_TEMPORAL_ADDRESS, CONSENT_TEMPORAL_NAMESPACE and TEMPORAL_API_KEY win over the file', () => {
    expect(temporalSettings(temporal, { CONSENT_TEMPORAL_ADDRESS: 'temporal:7233', CONSENT_TEMPORAL_NAMESPACE: 'prod', TEMPORAL_API_KEY: 'from-env' })).toEqual({
      address: 'temporal:7233',
      namespace: 'prod',
      taskQueue: 'consent-refresh',
      apiKey: 'from-env',
    });
  });

  it('ignores unset and empty variables', () => {
    expect(temporalSettings(temporal, { CONSENT_TEMPORAL_ADDRESS: '', TEMPORAL_API_KEY: '  ' })).toEqual(temporal);
    expect(temporalSettings(temporal, {})).toEqual(temporal);
  });

  it('applies to the whole config, so workers and client use the same namespace', () => {
    const config = parseConfig(base(), CONFIG_FILE);
    const overridden = withTemporalEnv(config, { CONSENT_TEMPORAL_NAMESPACE: 'prod' });
    expect(overridden.temporal.namespace).toBe('prod');
    expect(overridden.sources).toBe(config.sources);
    expect(config.temporal.namespace).toBe('default');
  });
});

describe('SDK connection options', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'consent-tls-'));
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
  const crt = file('client.pem', '-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n');
  const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n');

  it('is plain text without tls and API key', () => {
    expect(connectionOptions(parseConfig(base(), CONFIG_FILE), {})).toEqual({ address: 'localhost:7233' });
  });

  it('reads the CA, client certificate and key for mTLS', () => {
    const config = parseConfig(base({ address: 'temporal.internal:7233', tls: { serverName: 'temporal', serverRootCACert: ca, clientCert: crt, clientKey: key } }), CONFIG_FILE);
    const options = connectionOptions(config, {});
    expect(options.address).toBe('temporal.internal:7233');
    expect(options.tls?.serverNameOverride).toBe('temporal');
    expect(Buffer.from(options.tls!.serverRootCACertificate!).toString()).toContain('CA');
    expect(Buffer.from(options.tls!.clientCertPair!.crt).toString()).toContain('CLIENT');
    expect(Buffer.from(options.tls!.clientCertPair!.key).toString()).toContain('PRIVATE KEY');
    expect(options.apiKey).toBeUndefined();
  });

  it('passes the API key (from the environment first); the SDK then turns TLS on by itself', () => {
    const config = parseConfig(base({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'from-file' }), CONFIG_FILE);
    expect(connectionOptions(config, {})).toEqual({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'from-file' });
    expect(connectionOptions(config, { TEMPORAL_API_KEY: 'from-env' }).apiKey).toBe('from-env');
  });

  it('names the key when a certificate file cannot be read', () => {
    const config = parseConfig(base({ tls: { serverRootCACert: './missing-ca.pem' } }), CONFIG_FILE);
    expect(() => tlsOptions(config.temporal)).toThrow(ConfigError);
    expect(() => tlsOptions(config.temporal)).toThrow('temporal.tls.serverRootCACert: cannot read /project/conf/missing-ca.pem: file not found');
  });

  it('turns `tls: {}` into TLS without customisation', () => {
    expect(tlsOptions(parseConfig(base({ tls: {} }), CONFIG_FILE).temporal)).toEqual({});
  });
});
