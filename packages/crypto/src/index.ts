export * from "./secret-box.js";
export * from "./access-tokens.js";
