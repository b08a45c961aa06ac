import { existsSync, readFileSync } from 'node:fs';
import { exportPaths, type ExportManifest } from '../../core/exports/index.js';
import { readCurrentRun, warehouseLayout } from '../../core/warehouse/index.js';
import { loadConfigFrom } from '../config-path.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CommandHandler } from '../cli.js';

/** `consent exports`: each export's last published run, rows written, rows held back by the guard, files. */
export const runExportsCommand: CommandHandler = async ({ config: configPath, json }) => {
  const config = loadConfigFrom(configPath);
  const current = readCurrentRun(warehouseLayout(config.warehouse));
  const rows = config.exports.map((exportConfig) => {
    const paths = exportPaths(exportConfig.path, exportConfig.name, current?.runId ?? 'none', exportConfig.format);
    const manifest = existsSync(paths.latestManifest) ? (JSON.parse(readFileSync(paths.latestManifest, 'utf8')) as ExportManifest) : undefined;
    return {
      export: exportConfig.name,
      segment: exportConfig.segment,
      purpose: exportConfig.purpose,
      format: exportConfig.format,
      folder: exportConfig.path,
      lastRun: manifest?.runId ?? null,
      createdAt: manifest?.createdAt ?? null,
      rowsWritten: manifest?.rowCount ?? null,
      heldBack: manifest?.heldBack ?? null,
      added: manifest?.added ?? null,
      removed: manifest?.removed ?? null,
      files: manifest?.files.map((f) => ({ path: f.path, rows: f.rows, sha256: f.sha256 })) ?? [],
    };
  });
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return EXIT_OK;
  }
  for (const r of rows) {
    console.log(`${r.export} (segment ${r.segment}, purpose ${r.purpose}, ${r.format}) → ${r.folder}`);
    if (!r.lastRun) {
      console.log('  not exported yet');
      continue;
    }
    console.log(`  last run ${r.lastRun} at ${r.createdAt}: ${r.rowsWritten} rows written, ${r.heldBack} held back by the consent guard, +${r.added} −${r.removed}`);
    for (const f of r.files) console.log(`  ${f.path}  ${f.rows} rows  sha256 ${f.sha256.slice(0, 16)}…`);
  }
  return EXIT_OK;
};
