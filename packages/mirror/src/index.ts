export * from "./column-types.js";
export * from "./latest-rows-sql.js";
export * from "./manifest-schema.js";
export * from "./storage-layout.js";
export * from "./json-array-scanner.js";
