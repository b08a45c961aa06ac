import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { latestReportFile, writeRunReport } from '../../core/report/index.js';
import { readCurrentRun, warehouseLayout } from '../../core/warehouse/index.js';
import { loadConfigFrom } from '../config-path.js';
import { CliError, EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import type { CommandHandler } from '../cli.js';

/**
 * `consent report [--open]`: prints the path of the latest HTML run report (written with every published
 * run to <warehouse>/reports/). A current run without a report (published before reports existed) gets
 * one now. `--open` also hands the file to the desktop's opener (xdg-open, open, start).
 */
export const runReportCommand: CommandHandler = async ({ config: configPath, json, open }) => {
  const config = loadConfigFrom(configPath);
  const layout = warehouseLayout(config.warehouse);
  const current = readCurrentRun(layout);
  if (!current) throw new CliError(`no published run yet in ${config.warehouse}; run \`consent refresh --wait\` or \`npm start -- --once\``, EXIT_FAILURE);
  let report = latestReportFile(layout);
  if (!existsSync(report)) report = (await writeRunReport(layout, current.runId)).latest;
  if (json) console.log(JSON.stringify({ runId: current.runId, report }, null, 2));
  else console.log(report);
  if (open) await openInBrowser(report);
  return EXIT_OK;
};

/** Best effort: a missing opener (a server, CI) is reported, never an error — the path is printed anyway. */
function openInBrowser(file: string): Promise<void> {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', file]] : ['xdg-open', [file]];
  return new Promise((resolve) => {
    const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
    child.once('error', () => {
      console.error(`could not open a browser (${command} not available); open the file above yourself`);
      resolve();
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
