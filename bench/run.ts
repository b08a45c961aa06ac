/**
 * `npm run bench [-- --scale N] [--skip-peer] [--memory-limit 4GB] [--format csv|parquet] [--threads N]`
 *
 * One run, side by side, on the same generated files (bench/generate-data.ts, cached under bench/out/):
 *   (b) floor     refreshLocally(): the activities' core SQL in one process, no Temporal;
 *   (a) temporal  the full refresh through Temporal: a headless dev server on a free port, the real
 *                 workers in a child process, refreshNow + waitForRefresh; stage times from the history;
 *   (c) peer      bench/peer_polars.py: the same job written with Polars; its segment counts must equal (a)'s;
 *   latency       refresh-now on the example config: refreshNow() → every export manifest present.
 * (a), (b) and the latency probe each run in their own child process, so peak RSS is per variant.
 * Prints a table and writes bench/out/result-s<scale>-<time>.json (and latest-s<scale>.json).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateDataset, writeConfigs } from './generate-data.js';
import { runFloor, runLatency, runTemporal, type VariantResult, type LatencyResult } from './variants.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH_DIR, '..');
const OUT_DIR = path.join(BENCH_DIR, 'out');

interface Options {
  scale: number;
  skipPeer: boolean;
  memoryLimit: string | undefined;
  format: 'csv' | 'parquet';
  threads: number | undefined;
  skipLatency: boolean;
}

function parseOptions(argv: string[]): { options: Options; child?: { mode: string; config: string; address: string; resultFile: string } } {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: '1' },
      'skip-peer': { type: 'boolean', default: false },
      'skip-latency': { type: 'boolean', default: false },
      'memory-limit': { type: 'string' },
      format: { type: 'string', default: 'csv' },
      threads: { type: 'string' },
      child: { type: 'string' },
      config: { type: 'string' },
      address: { type: 'string' },
      'result-file': { type: 'string' },
    },
  });
  const format = values.format === 'parquet' ? 'parquet' : 'csv';
  const options: Options = {
    scale: Number(values.scale),
    skipPeer: values['skip-peer'] ?? false,
    skipLatency: values['skip-latency'] ?? false,
    memoryLimit: values['memory-limit'],
    format,
    threads: values.threads ? Number(values.threads) : undefined,
  };
  if (values.child) {
    return { options, child: { mode: values.child, config: values.config!, address: values.address ?? '', resultFile: values['result-file']! } };
  }
  return { options };
}

/** A fresh workspace for one variant: the dataset's data folder linked in, a config, nothing published. */
function workspace(name: string, dataDir: string, options: Options): string {
  const dir = path.join(OUT_DIR, 'work', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(dataDir, path.join(dir, 'data'));
  const { csvConfig, parquetConfig } = writeConfigs(dir, { memoryLimit: options.memoryLimit, threads: options.threads });
  return options.format === 'csv' ? csvConfig : parquetConfig;
}

function runChild(mode: string, config: string, address: string): Promise<unknown> {
  const resultFile = path.join(OUT_DIR, 'work', `${mode}.result.json`);
  rmSync(resultFile, { force: true });
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const args = [fileURLToPath(import.meta.url), '--child', mode, '--config', config, '--address', address, '--result-file', resultFile];
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
    child.once('exit', (code) => {
      if (code === 0 && existsSync(resultFile)) resolve(JSON.parse(readFileSync(resultFile, 'utf8')));
      else reject(new Error(`bench child ${mode} exited with code ${code}`));
    });
  });
}

interface PeerResult {
  stageMs: Record<string, number>;
  totalMs: number;
  segments: Record<string, number>;
  peakRssBytes: number;
  polarsVersion: string;
  threads: number;
  customers: number;
}

function runPeer(dataset: string, format: string, threads: number | undefined): PeerResult {
  const outFile = path.join(OUT_DIR, 'work', 'peer.result.json');
  rmSync(outFile, { force: true });
  const python = process.env['PYTHON'] ?? 'python3';
  const args = [path.join(BENCH_DIR, 'peer_polars.py'), dataset, '--format', format, '--out', outFile, ...(threads ? ['--threads', String(threads)] : [])];
  const started = performance.now();
  const result = spawnSync(python, args, { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
  const wallMs = performance.now() - started;
  if (result.status !== 0 || !existsSync(outFile)) throw new Error(`peer_polars.py failed (exit ${result.status})`);
  const peer = JSON.parse(readFileSync(outFile, 'utf8')) as PeerResult;
  return { ...peer, stageMs: { ...peer.stageMs, process: Math.round(wallMs) } };
}

const fmtMs = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);
const fmtMb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

async function main(): Promise<void> {
  const { options, child } = parseOptions(process.argv.slice(2));
  if (child) {
    const result =
      child.mode === 'temporal'
        ? await runTemporal(child.config, child.address)
        : child.mode === 'floor'
          ? await runFloor(child.config)
          : await runLatency(child.config, child.address);
    writeFileSync(child.resultFile, JSON.stringify(result));
    return;
  }
  const { ensureDevServer, freePort } = await import('../client/dev-server.js');
  mkdirSync(OUT_DIR, { recursive: true });
  const scaleTag = String(options.scale).replace('.', '_');
  const datasetDir = path.join(OUT_DIR, `data-s${scaleTag}`);
  console.error(`bench: scale ${options.scale}, ${options.format}, ${os.cpus().length} cores, memory limit ${options.memoryLimit ?? 'DuckDB default'}`);
  const dataset = await generateDataset(datasetDir, { scale: options.scale, reuse: true });
  const inputRows = dataset.counts.crm + dataset.counts.shop + dataset.counts.consent;
  console.error(`data: ${dataset.counts.crm} crm + ${dataset.counts.shop} shop + ${dataset.counts.consent} consent rows (${fmtMs(dataset.ms)}) in ${datasetDir}`);

  const port = await freePort();
  const stateDir = path.join(OUT_DIR, 'work', 'dev-server');
  rmSync(stateDir, { recursive: true, force: true });
  const server = await ensureDevServer({ address: `127.0.0.1:${port}`, namespace: 'default', stateDir, uiPort: null, detached: false, log: (l) => console.error(l) });
  try {
    console.error('(b) floor: refreshLocally …');
    const floor = (await runChild('floor', workspace('floor', path.join(datasetDir, 'data'), options), server.address)) as VariantResult;
    console.error(`    ${fmtMs(floor.totalMs)}`);
    console.error('(a) temporal: full refresh through Temporal …');
    const temporal = (await runChild('temporal', workspace('temporal', path.join(datasetDir, 'data'), options), server.address)) as VariantResult;
    console.error(`    ${fmtMs(temporal.totalMs)}`);
    let peer: PeerResult | undefined;
    if (!options.skipPeer) {
      console.error('(c) peer: Polars …');
      peer = runPeer(datasetDir, options.format, options.threads);
      console.error(`    ${fmtMs(peer.totalMs)}`);
    }
    let latency: LatencyResult | undefined;
    if (!options.skipLatency) {
      console.error('refresh-now latency on the example data …');
      const latencyDir = path.join(OUT_DIR, 'work', 'latency');
      rmSync(latencyDir, { recursive: true, force: true });
      mkdirSync(latencyDir, { recursive: true });
      cpSync(path.join(ROOT, 'examples', 'consent.config.yaml'), path.join(latencyDir, 'consent.config.yaml'));
      cpSync(path.join(ROOT, 'examples', 'data'), path.join(latencyDir, 'data'), { recursive: true });
      latency = (await runChild('latency', path.join(latencyDir, 'consent.config.yaml'), server.address)) as LatencyResult;
    }
    report(options, dataset.counts, inputRows, floor, temporal, peer, latency);
  } finally {
    await server.stop();
  }
}

function report(
  options: Options,
  counts: { crm: number; shop: number; consent: number },
  inputRows: number,
  floor: VariantResult,
  temporal: VariantResult,
  peer: PeerResult | undefined,
  latency: LatencyResult | undefined,
): void {
  const stages = ['import', 'unify', 'segments', 'exports', 'publish'];
  const lines: string[] = [];
  const row = (cells: string[]) => lines.push(cells.map((c, i) => (i === 0 ? c.padEnd(18) : c.padStart(14))).join(''));
  row(['stage', '(a) temporal', '(b) floor', '(c) polars', 'a/b', 'a/c']);
  for (const stage of [...stages, 'total']) {
    const a = stage === 'total' ? temporal.totalMs : temporal.stageMs[stage];
    const b = stage === 'total' ? floor.totalMs : floor.stageMs[stage];
    const c = stage === 'total' ? peer?.totalMs : peer?.stageMs[stage];
    row([stage, fmtMs(a), fmtMs(b), fmtMs(c), a && b ? (a / b).toFixed(2) : '—', a && c ? (a / c).toFixed(2) : '—']);
  }
  row(['peak RSS', fmtMb(temporal.peakRssBytes), fmtMb(floor.peakRssBytes), peer ? fmtMb(peer.peakRssBytes) : '—', '', '']);
  const rate = (ms: number | undefined) => (ms ? `${Math.round(inputRows / (ms / 1000)).toLocaleString('en-US')}` : '—');
  row(['rows/s', rate(temporal.totalMs), rate(floor.totalMs), rate(peer?.totalMs), '', '']);
  const segmentNames = Object.keys(temporal.segments);
  const mismatches = peer ? segmentNames.filter((name) => peer.segments[name] !== temporal.segments[name]) : [];
  const floorMismatch = segmentNames.filter((name) => floor.segments[name] !== temporal.segments[name]);
  console.log(`\nscale ${options.scale} (${counts.crm + counts.shop} profile rows, ${counts.consent} consent rows, ${options.format}), ${os.cpus().length} cores`);
  console.log(lines.join('\n'));
  console.log(`segments (a): ${segmentNames.map((n) => `${n} ${temporal.segments[n]}`).join(', ')}`);
  console.log(`segment counts: (b) ${floorMismatch.length === 0 ? 'equal' : `DIFFER (${floorMismatch.join(', ')})`}${peer ? `, (c) ${mismatches.length === 0 ? 'equal' : `DIFFER (${mismatches.join(', ')})`}` : ''}`);
  console.log(`(a) overhead: workflow start→first activity ${fmtMs(temporal.stageMs['plan'])}; client wall ${fmtMs(temporal.clientMs)}`);
  if (latency) console.log(`refresh-now latency (example data, trigger → manifests): ${latency.runsMs.map((ms) => fmtMs(ms)).join(', ')} (via ${latency.via})`);

  const ab = temporal.totalMs / floor.totalMs;
  const ac = peer ? temporal.totalMs / peer.totalMs : undefined;
  const targets: Record<string, { value: number | null; target: string; met: boolean | null }> = {};
  if (options.scale === 1) {
    targets['P1 a/b'] = { value: ab, target: '≤ 1.25', met: ab <= 1.25 };
    targets['P1 a/c'] = { value: ac ?? null, target: '< 1', met: ac === undefined ? null : ac < 1 };
  }
  if (options.scale === 10) {
    const p1File = path.join(OUT_DIR, `latest-s1.json`);
    const p1 = existsSync(p1File) ? (JSON.parse(readFileSync(p1File, 'utf8')) as { temporal: VariantResult }) : undefined;
    const ratio = p1 ? temporal.totalMs / p1.temporal.totalMs : null;
    targets['P2 peak RSS (GB)'] = { value: temporal.peakRssBytes / 1024 ** 3, target: '≤ 6', met: temporal.peakRssBytes <= 6 * 1024 ** 3 };
    targets['P2 time / P1 time'] = { value: ratio, target: '≤ 12', met: ratio === null ? null : ratio <= 12 };
  }
  if (latency) {
    const worst = Math.max(...latency.runsMs);
    targets['refresh-now latency (s, worst)'] = { value: worst / 1000, target: '≤ 2', met: worst <= 2000 };
  }
  console.log('targets:');
  for (const [name, t] of Object.entries(targets)) {
    console.log(`  ${name.padEnd(32)} ${t.value === null ? '—' : t.value.toFixed(2)} ${t.target}  ${t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED'}`);
  }
  const result = {
    at: new Date().toISOString(),
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', memoryGb: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
    options,
    counts,
    inputRows,
    temporal,
    floor,
    peer: peer ?? null,
    latency: latency ?? null,
    ratios: { ab, ac: ac ?? null },
    segmentCountsEqual: { floor: floorMismatch.length === 0, peer: peer ? mismatches.length === 0 : null },
    targets,
  };
  const stamp = result.at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const scaleTag = String(options.scale).replace('.', '_');
  writeFileSync(path.join(OUT_DIR, `result-s${scaleTag}-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(OUT_DIR, `latest-s${scaleTag}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`result: ${path.relative(process.cwd(), path.join(OUT_DIR, `result-s${scaleTag}-${stamp}.json`))}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
