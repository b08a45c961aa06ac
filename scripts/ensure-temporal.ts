/** `tsx scripts/ensure-temporal.ts`: prints the Temporal CLI path, installing it first if needed. */
import { ensureTemporalCli } from './temporal-cli.js';

try {
  console.log(ensureTemporalCli());
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
