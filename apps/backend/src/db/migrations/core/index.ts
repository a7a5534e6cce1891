import type { Migration } from "kysely";
import * as workspaces from "./0001-workspaces.js";
import * as dataSources from "./0002-data-sources.js";
import * as runs from "./0003-runs.js";
import * as catalogue from "./0004-catalogue.js";
import * as queries from "./0005-queries.js";
import * as serviceConnectors from "./0006-service-connectors.js";

/** The core database's migrations, in order. Forward only: a released migration is never edited. */
export const coreMigrations: Record<string, Migration> = {
  "0001-workspaces": workspaces,
  "0002-data-sources": dataSources,
  "0003-runs": runs,
  "0004-catalogue": catalogue,
  "0005-queries": queries,
  "0006-service-connectors": serviceConnectors,
};
