/**
 * Turning errors into Temporal failures: bad config and bad input are non-retryable and keep their
 * (value-free) message; anything else is retried, with quoted text removed from the message because
 * database errors can quote row values (personal data must not reach Temporal).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { ConfigError, RuleError, RunSupersededError, SourceError } from '../core/errors.js';

export function redactQuoted(message: string): string {
  return message.replace(/'(?:[^']|'')*'/g, "'…'").replace(/"(?:[^"]|"")*"/g, '"…"');
}

export function toFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ConfigError || error instanceof RuleError || error instanceof SourceError || error instanceof RunSupersededError) {
    return ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true });
  }
  if (error instanceof ZodError) {
    return ApplicationFailure.create({ type: 'InvalidActivityInput', message: error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '), nonRetryable: true });
  }
  const err = error instanceof Error ? error : new Error(String(error));
  return ApplicationFailure.create({ type: err.name || 'Error', message: redactQuoted(err.message), nonRetryable: false });
}

/**
 * Attempts still running in this process, by workflow run and activity id (the same for every retry of
 * one activity). A DuckDB statement cannot be cancelled: when the server gives up on an attempt (a missed
 * heartbeat on a machine saturated by a large run) and sends the retry to the same worker, the first
 * attempt is still writing the run database. The retry then waits for it and returns its result (the
 * activities are idempotent: same input, same result) instead of running the same statements beside it.
 */
const attemptsRunning = new Map<string, Promise<unknown>>();

function attemptKey(): { key: string; attempt: number; activityType: string } | undefined {
  try {
    const { workflowExecution, activityId, activityType, attempt } = Context.current().info;
    if (workflowExecution === undefined) return undefined;
    return { key: `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}`, attempt, activityType };
  } catch {
    return undefined; // Called outside an activity (direct calls in tests).
  }
}

async function runOnce<O>(run: () => Promise<O>): Promise<O> {
  const current = attemptKey();
  if (current === undefined) return run();
  const earlier = attemptsRunning.get(current.key);
  if (earlier !== undefined) {
    Context.current().log.warn(`attempt ${current.attempt} of ${current.activityType} waits for the earlier attempt still running in this process`);
    try {
      return (await earlier) as O;
    } catch {
      // The earlier attempt failed: this one runs the activity again.
    }
  }
  const attempt = run();
  attemptsRunning.set(current.key, attempt);
  try {
    return await attempt;
  } finally {
    if (attemptsRunning.get(current.key) === attempt) attemptsRunning.delete(current.key);
  }
}

/**
 * Wraps an activity implementation: every thrown error goes through toFailure, and while it runs it
 * heartbeats every few seconds, so a worker that dies is noticed within the heartbeat timeout (not the
 * long start-to-close timeout) and the activity is retried elsewhere. A retry reaching this process while
 * an earlier attempt still runs here joins it (see attemptsRunning).
 */
export function withFailures<I, O>(fn: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input: I) => {
    const keepAlive = setInterval(() => {
      try {
        Context.current().heartbeat();
      } catch {
        // Called outside an activity (direct calls in tests).
      }
    }, KEEP_ALIVE_MS);
    try {
      return await runOnce(() => fn(input));
    } catch (error) {
      throw toFailure(error);
    } finally {
      clearInterval(keepAlive);
    }
  };
}

const KEEP_ALIVE_MS = 3000;
