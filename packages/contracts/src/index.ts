export * from "./connect-api/connect-errors.js";
export * from "./connect-api/connector-listing-schemas.js";
export * from "./connect-api/validate-schemas.js";
export * from "./zod-issues.js";
export * from "./connect-api/ingestion-schemas.js";
export * from "./connect-api/schema-mapping-schemas.js";
