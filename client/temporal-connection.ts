/**
 * Connections to Temporal for the CLI, embedded mode and the worker: address, namespace, TLS / mTLS and API
 * key come from the config's `temporal` section, overridden by the environment for deployments:
 *
 * - `CONSENT_TEMPORAL_ADDRESS`, `CONSENT_TEMPORAL_NAMESPACE`: another cluster without editing the file;
 * - `TEMPORAL_API_KEY`: the API key (a secret: keep it out of the config file).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type TLSConfig } from '@temporalio/worker';
import type { LoadedConfig } from '../core/config/load.js';
import { ConfigError } from '../core/errors.js';
import { installRuntime } from '../worker/runtime.js';
import { REFRESH_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

type TemporalSection = LoadedConfig['temporal'];
type Env = Readonly<Record<string, string | undefined>>;

/** The `temporal` section with the environment overrides applied (unset or empty variables change nothing). */
export function temporalSettings(temporal: TemporalSection, env: Env = process.env): TemporalSection {
  const pick = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const address = pick('CONSENT_TEMPORAL_ADDRESS');
  const namespace = pick('CONSENT_TEMPORAL_NAMESPACE');
  const apiKey = pick('TEMPORAL_API_KEY');
  return {
    ...temporal,
    ...(address ? { address } : {}),
    ...(namespace ? { namespace } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** The config with {@link temporalSettings} applied, so workers, schedule and client agree on the namespace. */
export function withTemporalEnv<T extends Pick<LoadedConfig, 'temporal'>>(config: T, env: Env = process.env): T {
  return { ...config, temporal: temporalSettings(config.temporal, env) };
}

/**
 * The SDK's TLS options from `temporal.tls` (certificate files read now; a missing file is a ConfigError naming
 * the key). Undefined without `tls`: plain text, or TLS with the system roots when an API key is set.
 */
export function tlsOptions(temporal: TemporalSection, readFile: (file: string) => Buffer = readFileSync): TLSConfig | undefined {
  const tls = temporal.tls;
  if (!tls) return undefined;
  const read = (key: 'serverRootCACert' | 'clientCert' | 'clientKey', file: string): Buffer => {
    try {
      return readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(`temporal.tls.${key}`, `cannot read ${file}${code === 'ENOENT' ? ': file not found' : `: ${code ?? String(error)}`}`);
    }
  };
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.serverRootCACert ? { serverRootCACertificate: read('serverRootCACert', tls.serverRootCACert) } : {}),
    ...(tls.clientCert && tls.clientKey ? { clientCertPair: { crt: read('clientCert', tls.clientCert), key: read('clientKey', tls.clientKey) } } : {}),
  };
}

/** Options shared by the client's `Connection.connect` and the worker's `NativeConnection.connect`. */
export function connectionOptions(config: Pick<LoadedConfig, 'temporal'>, env: Env = process.env): { address: string; tls?: TLSConfig; apiKey?: string } {
  const temporal = temporalSettings(config.temporal, env);
  const tls = tlsOptions(temporal);
  return { address: temporal.address, ...(tls ? { tls } : {}), ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}) };
}

export async function connectClient(config: LoadedConfig): Promise<{ client: Client; connection: Connection }> {
  const options = connectionOptions(config);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: '10 seconds' });
  } catch (error) {
    throw new Error(
      `cannot reach the Temporal server at ${options.address} (${(error as Error).message}); ` +
        'is it running? `npm start` starts a local one (temporal.address in the config)',
    );
  }
  return { client: new Client({ connection, namespace: temporalSettings(config.temporal).namespace }), connection };
}

export function connectWorker(config: LoadedConfig): Promise<NativeConnection> {
  installRuntime();
  return NativeConnection.connect(connectionOptions(config));
}

/**
 * Makes sure the refresh search attributes exist (the dev server registers them at start; other servers
 * may need them added). Returns false when they are missing and cannot be added: the workflow then skips them.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  const wanted = Object.values(REFRESH_SEARCH_ATTRIBUTES).map((key) => key.name);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys({ ...(existing.customAttributes ?? {}), ...(existing.systemAttributes ?? {}) }));
    const missing = wanted.filter((name) => !known.has(name));
    if (missing.length === 0) return true;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, 2 /* KEYWORD */])),
    });
    return true;
  } catch {
    return false;
  }
}
