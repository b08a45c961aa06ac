/**
 * Fault injection for the crash-recovery tests (test/reliability): when CONSENT_FAULT_PAUSE names a point
 * (`<point>:<ms>[,<point>:<ms>…]`), the process announces it on stderr and pauses there, so a test can
 * SIGKILL the worker at exactly that moment. Unset (always, in production), this does nothing.
 * Points: import.before, import.after, unify.after, segment.after, export.before-manifest, export.after,
 * publish.after-current, publish.after.
 */
export async function faultPoint(point: string): Promise<void> {
  const spec = process.env['CONSENT_FAULT_PAUSE'];
  if (!spec) return;
  for (const entry of spec.split(',')) {
    const [name, ms] = entry.split(':');
    if (name !== point) continue;
    process.stderr.write(`CONSENT_FAULT_POINT_REACHED ${point}\n`);
    await new Promise((resolve) => setTimeout(resolve, Number(ms ?? 600_000)));
  }
}
