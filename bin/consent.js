#!/usr/bin/env node
// The `consent` command: runs the TypeScript CLI through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../client/cli.ts');
process.exit(await runCli(process.argv.slice(2)));
