import { z } from "zod";
import { apiBaseUrlField } from "../core/config-fields.js";

export const linearDefaultApiBaseUrl = "https://api.linear.app";

export const linearConfigSchema = z.strictObject({
  api_base_url: apiBaseUrlField(
    linearDefaultApiBaseUrl,
    "Base URL of the Linear API; the GraphQL endpoint is `<api_base_url>/graphql`",
  ),
});

export type LinearConfig = z.infer<typeof linearConfigSchema>;
