import path from 'node:path';
import { loadConfigFrom } from '../config-path.js';
import { stopDetachedDevServer } from '../dev-server.js';
import { CliError, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { CommandHandler } from '../cli.js';

/** `consent server stop`: stops the dev server that embedded mode left running. */
export const runServerCommand: CommandHandler = async ({ positionals, config: configPath }) => {
  if (positionals[0] !== 'stop') throw new CliError('usage: consent server stop [--config PATH]', EXIT_USAGE);
  const config = loadConfigFrom(configPath);
  const stopped = stopDetachedDevServer(path.join(config.warehouse, 'temporal'));
  console.log(stopped ? 'Temporal dev server stopped' : 'no dev server started by npm start is running for this warehouse');
  return EXIT_OK;
};
