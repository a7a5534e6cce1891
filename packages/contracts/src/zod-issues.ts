import type { z } from "zod";

export interface FieldIssue {
  /** Dotted path (`credentials.token`, `streams.2`), or `body` when the whole value is wrong. */
  field: string;
  message: string;
}

/**
 * The first issue of a zod error as a field and a sentence. Zod's messages name the expectation, never
 * the rejected value, which matters when the value is a credential.
 */
export function firstFieldIssue(error: z.ZodError, prefix?: string): FieldIssue {
  const issue = error.issues[0];
  if (!issue) return { field: prefix ?? "body", message: "is invalid" };
  const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
  const field = path.length > 0 ? path.join(".") : "body";
  return { field, message: `${field}: ${issue.message}` };
}
