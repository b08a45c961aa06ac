/**
 * The `consent` CLI (design §8). Exit codes: 0 ok, 1 failure, 2 bad usage or config.
 */
import { parseArgs } from 'node:util';
import { ConfigError, RuleError, SourceError } from '../core/errors.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';
import { runExportsCommand } from './commands/exports.js';
import { runInitCommand } from './commands/init.js';
import { runProfileCommand } from './commands/profile.js';
import { runRefreshCommand } from './commands/refresh.js';
import { runReportCommand } from './commands/report.js';
import { runScheduleCommand } from './commands/schedule.js';
import { runSegmentsCommand } from './commands/segments.js';
import { runServerCommand } from './commands/server.js';
import { runStatusCommand } from './commands/status.js';
import { runValidateCommand } from './commands/validate.js';

const USAGE = `usage: consent <command> [--config PATH] [--json]

commands:
  refresh [--wait]                 refresh now (through the schedule; never overlaps a running refresh)
  schedule create|describe|pause|unpause|trigger|delete
  status                           recent refreshes with counts
  validate [--rejects FILE]        check the config and read every source (no Temporal needed);
                                   --rejects writes every rejected row (values included) to a CSV file
  profile <email|phone>            unified profile, effective consent with lineage
  segments                         segment sizes in the current run, added/removed since the run before
  exports                          each export's last run, rows written, held back, files
  report [--open]                  path of the latest HTML run report (--open: open it in a browser)
  init --from FILE [FILE…]         write a starter ./consent.config.yaml (or --config PATH) from source files
  server stop                      stop the local dev server started by npm start

options: --config PATH (default ./consent.config.yaml), --json (machine-readable output of status, validate,
profile, segments, exports, refresh --wait)

exit codes: 0 ok, 1 failure (or rejects found by validate), 2 bad usage or config`;

export type CommandHandler = (args: {
  positionals: string[];
  config: string | undefined;
  wait: boolean;
  json: boolean;
  /** `--from FILE` (repeatable): the source files `consent init` starts from. */
  from?: string[];
  /** `--open` (`consent report`): open the report in a browser. */
  open?: boolean;
  /** `--rejects FILE` (`consent validate`): write every rejected row to this CSV file. */
  rejects?: string;
}) => Promise<number>;

const COMMANDS: Record<string, CommandHandler> = {
  refresh: runRefreshCommand,
  schedule: runScheduleCommand,
  status: runStatusCommand,
  validate: runValidateCommand,
  profile: runProfileCommand,
  segments: runSegmentsCommand,
  exports: runExportsCommand,
  report: runReportCommand,
  init: runInitCommand,
  server: runServerCommand,
};

export async function runCli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        wait: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        from: { type: 'string', multiple: true },
        open: { type: 'boolean', default: false },
        rejects: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const [command, ...positionals] = parsed.positionals;
  if (parsed.values.help || !command || command === 'help') {
    console.log(USAGE);
    return parsed.values.help || command === 'help' ? 0 : EXIT_USAGE;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await handler({
      positionals,
      config: parsed.values.config,
      wait: parsed.values.wait ?? false,
      json: parsed.values.json ?? false,
      from: parsed.values.from ?? [],
      open: parsed.values.open ?? false,
      ...(parsed.values.rejects === undefined ? {} : { rejects: parsed.values.rejects }),
    });
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message);
      return error.exitCode;
    }
    if (error instanceof ConfigError || error instanceof RuleError) {
      console.error(`config error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof SourceError) {
      console.error(`source error: ${error.message}`);
      return EXIT_USAGE;
    }
    console.error(error instanceof Error ? error.message : String(error));
    return EXIT_FAILURE;
  }
}

const isMain = process.argv[1] && /cli\.(ts|js)$/.test(process.argv[1]);
if (isMain) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
