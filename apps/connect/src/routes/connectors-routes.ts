import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { connectorListResponseSchema, type ConnectorListing } from "@tributary/contracts";
import { connectors, inputJsonSchema, type AnyConnector } from "@tributary/connectors";

function describeConnector(connector: AnyConnector): ConnectorListing {
  return {
    id: connector.id,
    name: connector.name,
    description: connector.description,
    credentials_schema: inputJsonSchema(connector.credentialsSchema),
    config_schema: inputJsonSchema(connector.configSchema),
    streams: connector.streams.map((stream) => ({
      name: stream.name,
      description: stream.description,
      primary_key: stream.primaryKey,
      cursor_field: stream.cursorField,
      sync_modes: stream.syncModes,
      partitioned_by: stream.partitionedBy,
      required_scopes: stream.requiredScopes.map((requirement) => requirement.scope),
      optional_scopes: stream.optionalScopes.map((requirement) => requirement.scope),
    })),
  };
}

export const connectorsRoutes: FastifyPluginAsyncZod = async (app) => {
  // The catalogue is static for the life of the process: build it once.
  const listing = { connectors: connectors.map(describeConnector) };

  app.get(
    "/internal/connectors",
    {
      schema: {
        summary: "Every connector's schemas and streams, for forms and stream selection",
        tags: ["connectors"],
        response: { 200: connectorListResponseSchema },
      },
    },
    async () => listing,
  );
};
