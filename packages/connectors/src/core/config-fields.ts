import { z } from "zod";

/**
 * Every connector accepts an API base URL: GitHub Enterprise Server needs it, the others offer it as an
 * advanced option, and it is how tests and the demo point connectors at the local simulators.
 */
export function apiBaseUrlField(defaultUrl: string, description: string) {
  return z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .default(defaultUrl)
    .describe(description);
}

/** A credential string: required, trimmed, marked write-only so forms render it as a password field. */
export function secretField(description: string) {
  return z
    .string({ error: "must be a string" })
    .trim()
    .min(1, { error: "must not be empty" })
    .max(4096, { error: "is too long" })
    .describe(description)
    .meta({ writeOnly: true, format: "password" });
}
