/**
 * Turning errors into Temporal failures: bad config and bad input are non-retryable and keep their
 * (value-free) message; anything else is retried, with quoted text removed from the message because
 * database errors can quote row values (personal data must not reach Temporal).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { ConfigError, RuleError, SourceError } from '../core/errors.js';

export function redactQuoted(message: string): string {
  return message.replace(/'(?:[^']|'')*'/g, "'…'").replace(/"(?:[^"]|"")*"/g, '"…"');
}

export function toFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ConfigError || error instanceof RuleError || error instanceof SourceError) {
    return ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true });
  }
  if (error instanceof ZodError) {
    return ApplicationFailure.create({ type: 'InvalidActivityInput', message: error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '), nonRetryable: true });
  }
  const err = error instanceof Error ? error : new Error(String(error));
  return ApplicationFailure.create({ type: err.name || 'Error', message: redactQuoted(err.message), nonRetryable: false });
}

/**
 * Wraps an activity implementation: every thrown error goes through toFailure, and while it runs it
 * heartbeats every few seconds, so a worker that dies is noticed within the heartbeat timeout (not the
 * long start-to-close timeout) and the activity is retried elsewhere.
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
      return await fn(input);
    } catch (error) {
      throw toFailure(error);
    } finally {
      clearInterval(keepAlive);
    }
  };
}

const KEEP_ALIVE_MS = 3000;
