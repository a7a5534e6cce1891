export * from "./core/fault-injector.js";
export * from "./core/request-log.js";
export * from "./core/simulator-server.js";
export * from "./github/index.js";
export * from "./slack/index.js";
export * from "./linear/index.js";
export * from "./hubspot/index.js";
export * from "./demo-simulators.js";
