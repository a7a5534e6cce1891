import { z } from "zod";

export const validateRequestSchema = z
  .object({
    connector: z.string().min(1).max(64),
    /** Shape depends on the connector; checked against its credentials schema after lookup. */
    credentials: z.record(z.string(), z.unknown()),
    config: z.record(z.string(), z.unknown()).default({}),
    /** Streams the connection will read; scopes are checked for these. Default: every stream. */
    streams: z.array(z.string().min(1)).min(1).optional(),
  })
  .meta({ id: "ValidateRequest" });

export type ValidateRequest = z.infer<typeof validateRequestSchema>;

export const accountSchema = z.object({
  /** Provider-side id of the user, bot or app installation the credentials act as. */
  id: z.string(),
  /** Login, handle or display name. */
  name: z.string(),
  email: z.string().nullable(),
  /** `user`, `bot`, `app_installation`, `private_app`… as the provider calls it. */
  kind: z.string(),
  /** The organisation, workspace, team or portal the credentials belong to, when the provider has one. */
  organization: z.object({ id: z.string(), name: z.string() }).nullable(),
});

export type Account = z.infer<typeof accountSchema>;

export const validateResponseSchema = z
  .object({
    status: z.literal("ok"),
    connector: z.string(),
    account: accountSchema,
    /** `classic_pat`, `fine_grained_pat`, `bot`, `api_key`, `oauth`… */
    token_type: z.string(),
    /** Scopes the provider reports; null when it does not report them (access was probed instead). */
    granted_scopes: z.array(z.string()).nullable(),
    /**
     * Optional scopes the selected streams could use but the credentials lack. Required scopes that are
     * missing fail the validation with `missing_scopes` instead.
     */
    missing_scopes: z.array(z.string()),
    /** Human-readable consequences of what is missing (for example: private channels will be skipped). */
    warnings: z.array(z.string()),
    streams: z.array(z.string()),
  })
  .meta({ id: "ValidateResponse" });

export type ValidateResponse = z.infer<typeof validateResponseSchema>;
