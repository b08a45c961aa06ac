/**
 * The deployment files are checked without a Docker engine: docker-compose.yml's structure (parsed with the
 * yaml package), the Dockerfile's stages and user, .dockerignore, and — when Debian's `docker-compose`
 * binary is installed — `docker-compose config -q`, Compose's own validation.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../../core/config/load.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Healthcheck {
  test: string[] | string;
  interval?: string;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
  hostname?: string;
  init?: boolean;
  stop_grace_period?: string;
  user?: string;
  entrypoint?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services;
const dockerfile = read('Dockerfile');
const dockerfileLines = dockerfile.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** Compose's `${NAME:-default}` → default and `${NAME}` → '' (the values used when nothing is set). */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '');
}

/** `source:target[:mode]` → parts, with variables at their defaults; only the short form is used in this file. */
function mounts(entry: Service): { source: string; target: string; mode: string | undefined }[] {
  return (entry.volumes ?? []).map((volume) => {
    const [source, target, mode] = withDefaults(volume).split(':');
    return { source: source!, target: target!, mode };
  });
}

function words(command: string[] | string | undefined): string[] {
  return Array.isArray(command) ? command : (command ?? '').split(/\s+/);
}

describe('docker-compose.yml', () => {
  it('runs Temporal on PostgreSQL with the Web UI, admin tools, the worker and the schedule job', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-admin-tools', 'temporal-ui', 'worker', 'schedule']),
    );
    expect(service('postgresql').image).toMatch(/^postgres:/);
    expect(service('temporal').image).toMatch(/^temporalio\/(server|auto-setup):/);
    expect(service('temporal').environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(service('temporal-ui').environment?.['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    expect((service('temporal-ui').ports ?? []).map(withDefaults)).toContainEqual('8080:8080');
    for (const name of ['temporal-schema', 'temporal-namespace', 'temporal-admin-tools']) {
      expect(service(name).image, name).toMatch(/^temporalio\/admin-tools:/);
    }
  });

  it('has health checks on the database, the server and the worker', () => {
    for (const name of ['postgresql', 'temporal', 'worker']) {
      const check = service(name).healthcheck;
      expect(check, name).toBeDefined();
      expect(words(check!.test).length, name).toBeGreaterThan(1);
    }
    expect(words(service('postgresql').healthcheck!.test).join(' ')).toContain('pg_isready');
  });

  it('starts each service only after what it needs is healthy or done', () => {
    for (const [name, entry] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(entry.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on unknown ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck, `${name} waits for ${dependency} to be healthy`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully', 'service_started']).toContain(condition);
      }
    }
    expect(service('temporal').depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(service('worker').depends_on?.['temporal-namespace']?.condition).toBe('service_completed_successfully');
  });

  it('builds the worker from the Dockerfile and runs it with a stable host name, init and a stop grace period', () => {
    const worker = service('worker');
    expect(worker.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(worker.hostname).toMatch(/^[a-z0-9-]+$/);
    expect(worker.init).toBe(true);
    expect(Number.parseInt(worker.stop_grace_period ?? '0', 10)).toBeGreaterThanOrEqual(30);
    expect(worker.restart).toBe('unless-stopped');
  });

  it('gives the worker its config as a mounted file plus environment variables, and volumes for warehouse, sources and exports', () => {
    const worker = service('worker');
    const byTarget = new Map(mounts(worker).map((mount) => [mount.target, mount]));
    expect(byTarget.get('/config/consent.config.yaml')?.mode).toBe('ro');
    expect(byTarget.get('/data/sources')?.mode).toBe('ro');
    expect(byTarget.get('/data/warehouse')?.source).toBe('consent-warehouse');
    expect(byTarget.get('/data/exports')?.source).toBe('consent-exports');
    expect(worker.environment).toMatchObject({ CONSENT_TEMPORAL_ADDRESS: 'temporal:7233', CONSENT_LOG_FORMAT: 'json' });
    expect(worker.environment?.['CONSENT_METRICS_ADDRESS']).toMatch(/^0\.0\.0\.0:\d+$/);
  });

  it('declares every named volume it mounts', () => {
    for (const [name, entry] of Object.entries(services)) {
      for (const { source } of mounts(entry)) {
        if (!source.startsWith('.') && !source.startsWith('/')) {
          expect(compose.volumes, `${name} mounts undeclared volume ${source}`).toHaveProperty(source);
        }
      }
    }
  });

  it('health-checks the worker on the port its metrics are served on', () => {
    const worker = service('worker');
    const port = worker.environment!['CONSENT_METRICS_ADDRESS']!.split(':').pop();
    expect(words(worker.healthcheck!.test).join(' ')).toContain(`http://127.0.0.1:${port}/metrics`);
    expect((worker.ports ?? []).map(withDefaults)).toContainEqual(expect.stringMatching(new RegExp(`:${port}$`)));
  });

  it('upserts the schedule in a one-shot job from the same image and config', () => {
    const schedule = service('schedule');
    expect(schedule.image).toBe(service('worker').image);
    const command = words(schedule.command);
    expect(command.slice(command.indexOf('client/cli.ts'))).toEqual(['client/cli.ts', 'schedule', 'create', '--config', '/config/consent.config.yaml']);
    expect(schedule.restart).toBe('on-failure');
    expect(schedule.depends_on?.['temporal-namespace']?.condition).toBe('service_completed_successfully');
    expect(mounts(schedule).map((mount) => mount.target)).toContain('/config/consent.config.yaml');
    // It reads the warehouse's id, written by the worker, so it waits for a healthy worker.
    expect(mounts(schedule).find((mount) => mount.target === '/data/warehouse')).toEqual({ source: 'consent-warehouse', target: '/data/warehouse', mode: 'ro' });
    expect(schedule.depends_on?.['worker']?.condition).toBe('service_healthy');
  });

  it('maps the example config (relative paths) into the volumes through the links the image creates', () => {
    const links = new Map([...dockerfile.matchAll(/ln -s (\S+) (\S+)/g)].map((match) => [match[2]!, match[1]!]));
    const config = parseConfigText(read('examples/consent.config.yaml'), '/config/consent.config.yaml');
    const inVolume = (file: string) => {
      for (const [link, target] of links) if (file === link || file.startsWith(`${link}/`)) return target + file.slice(link.length);
      return file;
    };
    expect(inVolume(config.warehouse)).toMatch(/^\/data\/warehouse\b/);
    for (const source of config.sources) expect(inVolume(source.path)).toMatch(/^\/data\/sources\//);
    for (const exportConfig of config.exports) expect(inVolume(exportConfig.path)).toMatch(/^\/data\/exports\//);
  });

  it('has shell scripts that parse (one-shot jobs)', () => {
    const scripts = Object.entries(services).filter(([, entry]) => words(entry.entrypoint).join(' ') === '/bin/sh -c');
    expect(scripts.map(([name]) => name).sort()).toEqual(['temporal-namespace', 'temporal-schema']);
    for (const [name, entry] of scripts) {
      const script = words(entry.command)[0]!.replaceAll('$$', '$');
      const result = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
      expect(result.stderr, name).toBe('');
      expect(result.status, name).toBe(0);
    }
  });

  it.skipIf(!hasDockerCompose())('passes `docker-compose config -q`', () => {
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage and installs production dependencies exactly as locked', () => {
    expect(dockerfileLines.filter((line) => /^FROM\s/i.test(line)).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=deps /);
  });

  it('runs as a non-root user', () => {
    const users = dockerfileLines.filter((line) => /^USER\s/i.test(line)).map((line) => line.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
  });

  it('starts the worker with the mounted config, without an npm wrapper in front of the signals', () => {
    const cmd = dockerfileLines.find((line) => /^CMD\s/i.test(line))!;
    const argv = JSON.parse(cmd.replace(/^CMD\s+/i, '')) as string[];
    expect(argv.slice(-3)).toEqual(['worker/main.ts', '--config', '/config/consent.config.yaml']);
    expect(argv[0]).not.toMatch(/^(npm|npx)$/);
    expect(argv).toContain('tsx');
  });

  it('keeps dependencies, secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', '.tools', 'test', '.env', '*.pem', '*.key']));
  });
});

function hasDockerCompose(): boolean {
  try {
    execFileSync('which', ['docker-compose'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
