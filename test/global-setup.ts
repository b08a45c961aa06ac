/**
 * One real Temporal dev server for the whole test run (the same CLI binary `npm start` uses, found or
 * installed by scripts/temporal-cli.ts), headless, on a free port, state in a temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDevServer, freePort, type DevServer } from '../client/dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

let server: DevServer | undefined;
let stateDir: string | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'consent-temporal-'));
  const port = await freePort();
  server = await ensureDevServer({ address: `127.0.0.1:${port}`, namespace: 'default', stateDir, uiPort: null, detached: false });
  project.provide('temporalAddress', server.address);
  return async () => {
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  };
}
