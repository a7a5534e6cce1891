import { z } from "zod";

/**
 * One entry of a GraphQL `errors` array as Linear sends it: `extensions.code` is the stable machine
 * code (AUTHENTICATION_ERROR, FORBIDDEN, RATELIMITED…), `extensions.type` the lower-case category
 * Linear's SDK switches on ("authentication error", "forbidden", "ratelimited"…).
 */
const linearGraphqlErrorSchema = z.object({
  message: z.string().catch(""),
  path: z.array(z.union([z.string(), z.number()])).optional().catch(undefined),
  extensions: z
    .object({
      code: z.string().optional().catch(undefined),
      type: z.string().optional().catch(undefined),
      statusCode: z.number().optional().catch(undefined),
      userPresentableMessage: z.string().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

export type LinearGraphqlError = z.infer<typeof linearGraphqlErrorSchema>;

const envelopeSchema = z.object({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z.array(linearGraphqlErrorSchema).optional(),
});

export interface LinearGraphqlEnvelope {
  data: Record<string, unknown> | null;
  errors: LinearGraphqlError[];
}

/** The body as a GraphQL response, or undefined when it is not one (a proxy page, another API). */
export function parseGraphqlEnvelope(body: unknown): LinearGraphqlEnvelope | undefined {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { data, errors } = parsed.data;
  if (data === undefined && errors === undefined) return undefined;
  return { data: data ?? null, errors: errors ?? [] };
}

export type LinearErrorKind = "authentication" | "rate_limited" | "forbidden" | "transient" | "other";

const transientTypes = new Set(["internal error", "lock timeout", "network error"]);

/** What an error means for the caller, from its code or, failing that, its SDK type. */
export function linearErrorKind(error: LinearGraphqlError): LinearErrorKind {
  const code = error.extensions?.code?.toUpperCase();
  const type = error.extensions?.type?.toLowerCase();
  if (code === "AUTHENTICATION_ERROR" || type === "authentication error") return "authentication";
  if (code === "RATELIMITED" || type === "ratelimited") return "rate_limited";
  if (code === "FORBIDDEN" || type === "forbidden") return "forbidden";
  if (code === "INTERNAL_SERVER_ERROR" || (type !== undefined && transientTypes.has(type))) return "transient";
  if ((error.extensions?.statusCode ?? 0) >= 500) return "transient";
  return "other";
}

/** The scope a FORBIDDEN error names, as in "Invalid scope: `read` required". */
export function scopeNamedBy(error: LinearGraphqlError): string | undefined {
  const match = /invalid scope:?\s*[`'"]?([\w:-]+)[`'"]?\s+required/i.exec(error.message);
  return match?.[1];
}

/** Linear's own words for an error, fit for a message: one line, bounded, its user-facing text first. */
export function describeLinearError(error: LinearGraphqlError): string {
  const text = error.extensions?.userPresentableMessage ?? error.message;
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine || "no message";
}
