import { z } from "zod";

/**
 * The typed failures connect reports to its callers. The backend maps each code to what the user sees,
 * so codes are a contract: add new ones, never repurpose old ones.
 */
export const connectErrorCodes = [
  "bad_request",
  "unauthorized",
  "unknown_connector",
  "not_found",
  "invalid_credentials",
  "missing_scopes",
  "rate_limited",
  "provider_unavailable",
  "provider_error",
  "storage_error",
  "run_in_progress",
  "cancelled",
  "internal_error",
] as const;

export type ConnectErrorCode = (typeof connectErrorCodes)[number];

export const connectErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(connectErrorCodes),
      message: z.string(),
      /** Dotted path of the offending input field, for `bad_request`. */
      field: z.string().optional(),
      /** For `missing_scopes`: the scopes the selected streams need and the credentials lack. */
      missing_scopes: z.array(z.string()).optional(),
      /** For `rate_limited`: seconds to wait, and the instant after which a retry is expected to pass. */
      retry_after_seconds: z.number().optional(),
      retry_at: z.string().optional(),
      /** For `missing_scopes`: the account the credentials did resolve to. */
      account: z.unknown().optional(),
      /** For `missing_scopes`: what each missing entry means and how to grant it. */
      warnings: z.array(z.string()).optional(),
    }),
  })
  .meta({ id: "ConnectError" });

export type ConnectErrorBody = z.infer<typeof connectErrorBodySchema>;

/** The exact body of a 401, kept from the reference service so existing clients keep working. */
export const invalidServiceTokenBody = { detail: "Invalid connect service token" } as const;
