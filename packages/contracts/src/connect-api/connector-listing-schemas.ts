import { z } from "zod";

export const syncModes = ["full_refresh", "incremental"] as const;
export type SyncMode = (typeof syncModes)[number];

export const streamListingSchema = z.object({
  name: z.string(),
  description: z.string(),
  primary_key: z.array(z.string()),
  cursor_field: z.array(z.string()).nullable(),
  sync_modes: z.array(z.enum(syncModes)),
  partitioned_by: z.string().nullable(),
  required_scopes: z.array(z.string()),
  optional_scopes: z.array(z.string()),
});

export const connectorListingSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  credentials_schema: z.record(z.string(), z.unknown()),
  config_schema: z.record(z.string(), z.unknown()),
  streams: z.array(streamListingSchema),
});

export const connectorListResponseSchema = z
  .object({ connectors: z.array(connectorListingSchema) })
  .meta({ id: "ConnectorList" });

export type ConnectorListing = z.infer<typeof connectorListingSchema>;
export type ConnectorListResponse = z.infer<typeof connectorListResponseSchema>;
