/**
 * Turning errors into Temporal failures: bad config and bad input are non-retryable and keep their
 * (value-free) message; anything else is retried, with quoted text removed from the message because
 * database errors can quote row values (personal data must not reach Temporal).
 */
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

/** Wraps an activity implementation so every thrown error goes through toFailure. */
export function withFailures<I, O>(fn: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input: I) => {
    try {
      return await fn(input);
    } catch (error) {
      throw toFailure(error);
    }
  };
}
