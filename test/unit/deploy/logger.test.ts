/** The worker's structured logs: JSON lines, no personal data, runtime settings for metrics and shutdown. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';
import { activityLog, createLogger, safeFields, scrubText, temporalLogger } from '../../../worker/logger.js';
import { metricsBindAddress, runtimeOptions, workerRuntimeSettings } from '../../../worker/runtime.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function capture(format: 'json' | 'text' = 'json', level?: 'DEBUG' | 'INFO' | 'WARN') {
  const lines: string[] = [];
  const logger = createLogger({ format, write: (line) => lines.push(line), clock: () => NOW, base: { service: 'consent-worker' }, ...(level ? { level } : {}) });
  return { logger, lines, json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('JSON logs', () => {
  it('writes one JSON object per line: time, level, msg, base fields, then the line fields', () => {
    const { logger, lines, json } = capture();
    logger.info('imported source crm: 3000000 rows, 12 rejected', { runId: 'run-1', rowsRead: 3000000, source: 'crm', searchAttributes: true });
    expect(lines).toHaveLength(1);
    expect(json()[0]).toEqual({
      time: '2026-03-01T12:00:00.000Z',
      level: 'info',
      msg: 'imported source crm: 3000000 rows, 12 rejected',
      service: 'consent-worker',
      runId: 'run-1',
      rowsRead: 3000000,
      source: 'crm',
      searchAttributes: true,
    });
  });

  it('never writes fields that may hold personal data, nor nested values such as rows', () => {
    const { logger, json } = capture();
    logger.warn('row problem', {
      runId: 'run-1',
      email: 'holly@contoso.com',
      Phone: '+1 425 555 0100',
      first_name: 'Holly',
      lastName: 'Holt',
      postalCode: '98052',
      row: { email: 'holly@contoso.com' },
      rows: ['holly@contoso.com'],
      count: 3,
    });
    const line = json()[0]!;
    expect(Object.keys(line).sort()).toEqual(['count', 'level', 'msg', 'runId', 'service', 'time']);
    expect(JSON.stringify(line)).not.toMatch(/holly|Holt|425|98052/i);
  });

  it('masks e-mail addresses and international phone numbers in any text, but not counts or ids', () => {
    expect(scrubText('no match for holly.holt+news@contoso.co.uk at row 7')).toBe('no match for [email] at row 7');
    expect(scrubText('key +49 151 2345 6789 rejected')).toBe('key [phone] rejected');
    expect(scrubText('run run-20260301T120000Z-ab12cd: 3000000 rows, 1234567 customers')).toBe('run run-20260301T120000Z-ab12cd: 3000000 rows, 1234567 customers');
    const { logger, json } = capture();
    logger.error('failed for frank@contoso.com', { reason: 'duplicate key frank@contoso.com', error: new Error('bad row: +14255550100') });
    expect(json()[0]).toMatchObject({ msg: 'failed for [email]', reason: 'duplicate key [email]', error: 'bad row: [phone]' });
  });

  it('keeps scalar fields only', () => {
    expect(safeFields({ a: 1, b: 'x', c: null, d: undefined, e: { nested: 1 }, f: [1], g: 2n, h: false })).toEqual({ a: 1, b: 'x', c: null, g: '2', h: false });
  });

  it('turns the activities\' `run <id>: …` lines into a message with a runId field', () => {
    const { logger, json } = capture();
    const log = activityLog(logger);
    log('run run-20260301T120000Z-ab12cd: unified 10 records into 8 customers');
    log('something else');
    expect(json()).toMatchObject([
      { msg: 'unified 10 records into 8 customers', runId: 'run-20260301T120000Z-ab12cd' },
      { msg: 'something else' },
    ]);
    expect(json()[1]).not.toHaveProperty('runId');
  });

  it('drops lines below the level', () => {
    const { logger, lines } = capture('json', 'WARN');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['w']);
  });

  it('writes plain lines in text format, with the level for warnings and errors', () => {
    const { logger, lines } = capture('text');
    logger.info('worker: task queues a and a@host');
    logger.warn('slow', { runId: 'run-1', note: 'two words' });
    expect(lines).toEqual(['worker: task queues a and a@host service=consent-worker', '[WARN] slow service=consent-worker runId=run-1 note="two words"']);
  });

  it('formats the Temporal SDK\'s own log entries the same way', () => {
    const lines: string[] = [];
    const logger = temporalLogger('WARN', { format: 'json', write: (line) => lines.push(line), base: { service: 'consent-worker' } });
    logger.info('dropped below WARN');
    logger.warn('Activity failed for holly@contoso.com', { sdkComponent: 'worker', taskQueue: 'consent-refresh@host', activityType: 'importSource', failure: { message: 'x' } });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'warn', msg: 'Activity failed for [email]', service: 'consent-worker', sdkComponent: 'worker', taskQueue: 'consent-refresh@host', activityType: 'importSource' });
    expect(entry).not.toHaveProperty('failure');
    expect(Date.parse(entry['time'] as string)).not.toBeNaN();
  });
});

describe('worker runtime settings', () => {
  const config = (worker?: Record<string, unknown>) =>
    parseConfig(
      { ...(worker ? { worker } : {}), purposes: { N: { regime: 'opt-in' } }, sources: [{ name: 'crm', type: 'profiles', format: 'csv', path: 'a.csv', primaryKey: 'id', keys: { email: 'e' } }] },
      '/p/consent.config.yaml',
    );

  it('reads the config, with CONSENT_METRICS_ADDRESS and CONSENT_LOG_FORMAT taking precedence', () => {
    expect(workerRuntimeSettings(config(), {})).toEqual({ logFormat: 'text' });
    expect(workerRuntimeSettings(config({ metricsAddress: '127.0.0.1:9464', logFormat: 'json' }), {})).toEqual({ metricsAddress: '127.0.0.1:9464', logFormat: 'json' });
    expect(workerRuntimeSettings(config({ metricsAddress: '127.0.0.1:9464' }), { CONSENT_METRICS_ADDRESS: '9100', CONSENT_LOG_FORMAT: 'JSON' })).toEqual({ metricsAddress: '0.0.0.0:9100', logFormat: 'json' });
  });

  it('rejects bad environment values naming the variable', () => {
    expect(() => workerRuntimeSettings(config(), { CONSENT_METRICS_ADDRESS: 'metrics:9464' })).toThrow(ConfigError);
    expect(() => workerRuntimeSettings(config(), { CONSENT_METRICS_ADDRESS: 'metrics:9464' })).toThrow(/^CONSENT_METRICS_ADDRESS: /);
    expect(() => workerRuntimeSettings(config(), { CONSENT_LOG_FORMAT: 'yaml' })).toThrow(/^CONSENT_LOG_FORMAT: /);
  });

  it('normalises a bare port to all interfaces', () => {
    expect(metricsBindAddress('9464')).toBe('0.0.0.0:9464');
    expect(metricsBindAddress('[::]:9464')).toBe('[::]:9464');
    expect(metricsBindAddress('  ')).toBeUndefined();
  });

  it('builds Runtime options with the Prometheus exporter, forwarded core logs and the shutdown signals', () => {
    const options = runtimeOptions({ level: 'WARN', metricsAddress: '9464', logFormat: 'json', shutdownSignals: ['SIGINT', 'SIGTERM'] });
    expect(options.telemetryOptions?.metrics).toEqual({ prometheus: { bindAddress: '0.0.0.0:9464' } });
    expect(options.telemetryOptions?.logging).toEqual({ filter: { core: 'WARN', other: 'ERROR' }, forward: {} });
    expect(options.shutdownSignals).toEqual(['SIGINT', 'SIGTERM']);
    const plain = runtimeOptions({ level: 'WARN' });
    expect(plain.telemetryOptions).toEqual({});
    expect(plain.shutdownSignals).toBeUndefined();
  });
});
