/**
 * Embedded local mode: reuse a Temporal server that answers at the configured address, or start the
 * Temporal CLI dev server there with its state (SQLite) under the warehouse folder.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureTemporalCli } from '../scripts/temporal-cli.js';
import { DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS } from '../workflows/search-attributes.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function parseAddress(address: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address.trim());
  if (!match) throw new Error(`temporal.address "${address}" must look like host:port`);
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for test and benchmark servers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections at the address. */
export function isListening({ host, port }: HostPort, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitListening(target: HostPort, timeoutMs: number, isDead: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isListening(target, 500)) return;
    const dead = isDead();
    if (dead) throw new Error(dead);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the Temporal dev server did not listen on ${target.host}:${target.port} within ${timeoutMs / 1000}s`);
}

export interface DevServerOptions {
  readonly address: string;
  readonly namespace: string;
  /** Folder for the SQLite state, log and pid file. */
  readonly stateDir: string;
  /** Web UI port; `null` for a headless server. */
  readonly uiPort: number | null;
  /** Keep running after this process exits (embedded mode) or die with it (tests). */
  readonly detached: boolean;
  readonly log?: (line: string) => void;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | null;
  /** True when this call started it (false: an existing server was reused). */
  readonly started: boolean;
  stop(): Promise<void>;
}

export async function ensureDevServer(options: DevServerOptions): Promise<DevServer> {
  const target = parseAddress(options.address);
  const uiUrl = options.uiPort ? `http://${target.host === '0.0.0.0' ? 'localhost' : target.host}:${options.uiPort}` : null;
  if (await isListening(target)) {
    return { address: options.address, uiUrl, started: false, stop: async () => undefined };
  }
  const binary = ensureTemporalCli(options.log);
  mkdirSync(options.stateDir, { recursive: true });
  const logFile = path.join(options.stateDir, 'server.log');
  const out = openSync(logFile, 'a');
  const args = [
    'server', 'start-dev',
    '--ip', target.host,
    '--port', String(target.port),
    '--namespace', options.namespace,
    '--db-filename', path.join(options.stateDir, 'temporal.sqlite'),
    '--log-level', 'warn',
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]),
  ];
  const child = spawn(binary, args, { detached: options.detached, stdio: ['ignore', out, out] });
  closeSync(out);
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `the Temporal dev server exited (${signal ?? `code ${code}`}); see ${logFile}`;
  });
  if (options.detached) child.unref();
  writeFileSync(path.join(options.stateDir, 'server.pid'), `${child.pid}\n`);
  await waitListening(target, 30_000, () => exit);
  options.log?.(`started the Temporal dev server at ${options.address}${uiUrl ? ` (Web UI ${uiUrl})` : ''}, state in ${options.stateDir}`);
  return {
    address: options.address,
    uiUrl,
    started: true,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(path.join(options.stateDir, 'server.pid'), { force: true });
    },
  };
}

/** Stops a detached dev server started earlier by embedded mode (pid file in its state folder). */
export function stopDetachedDevServer(stateDir: string): boolean {
  const pidFile = path.join(stateDir, 'server.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}
