export { linearConnector } from "./linear-connector.js";
export type { LinearCredentials } from "./linear-credentials.js";
export type { LinearConfig } from "./linear-config.js";
