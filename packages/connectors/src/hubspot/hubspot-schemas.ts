import { z } from "zod";
import { apiBaseUrlField, secretField } from "../core/config-fields.js";

export const hubspotDefaultApiBaseUrl = "https://api.hubapi.com";

export const hubspotCredentialsSchema = z.strictObject({
  access_token: secretField(
    "A private app access token (pat-na1-…, pat-eu1-…) or an OAuth access token; both are sent as a Bearer token",
  ),
});

export const hubspotConfigSchema = z.strictObject({
  api_base_url: apiBaseUrlField(
    hubspotDefaultApiBaseUrl,
    "HubSpot API base URL; api.hubapi.com serves every data-hosting region",
  ),
});

export type HubspotCredentials = z.infer<typeof hubspotCredentialsSchema>;
export type HubspotConfig = z.infer<typeof hubspotConfigSchema>;

/** `GET /account-info/v3/details`: the portal the token belongs to. */
export const accountDetailsSchema = z.looseObject({
  portalId: z.number().int(),
  accountType: z.string().optional(),
  timeZone: z.string().optional(),
  companyCurrency: z.string().optional(),
  uiDomain: z.string().optional(),
  dataHostingLocation: z.string().optional(),
  // Only the newer date-versioned endpoint returns a name; read it when an upgrade brings it.
  portalName: z.string().optional(),
});

/** `POST /oauth/v2/private-apps/get/access-token-info`. */
export const privateAppTokenInfoSchema = z.looseObject({
  userId: z.number().int().optional(),
  hubId: z.number().int(),
  appId: z.number().int(),
  scopes: z.array(z.string()),
});

/** `GET /oauth/v1/access-tokens/{token}`; the response echoes the token, so it is never logged or kept. */
export const oauthTokenMetadataSchema = z.looseObject({
  hub_id: z.number().int(),
  app_id: z.number().int().optional(),
  user_id: z.number().int().optional(),
  user: z.string().optional(),
  hub_domain: z.string().optional(),
  scopes: z.array(z.string()),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});

/** The error envelope HubSpot's APIs share; every field is optional because shapes vary by API. */
export const hubspotErrorBodySchema = z.looseObject({
  status: z.string().optional(),
  message: z.string().optional(),
  correlationId: z.string().optional(),
  category: z.string().optional(),
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  errors: z
    .array(
      z.looseObject({
        message: z.string().optional(),
        context: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});

export type HubspotErrorBody = z.infer<typeof hubspotErrorBodySchema>;

export function readHubspotErrorBody(body: unknown): HubspotErrorBody {
  const parsed = hubspotErrorBodySchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}
