/** Search attributes a refresh sets (registered on the dev server by embedded mode and the tests). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const REFRESH_SEARCH_ATTRIBUTES = {
  runId: defineSearchAttributeKey('ConsentRunId', SearchAttributeType.KEYWORD),
  trigger: defineSearchAttributeKey('ConsentTrigger', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('ConsentOutcome', SearchAttributeType.KEYWORD),
} as const;

/** `--search-attribute` values for `temporal server start-dev`. */
export const DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS = Object.values(REFRESH_SEARCH_ATTRIBUTES).map((key) => `${key.name}=Keyword`);
