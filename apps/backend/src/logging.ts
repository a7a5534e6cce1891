import type { LoggerOptions } from "pino";

/**
 * Paths pino blanks before a line is written. Bodies are never logged; this is the second line of
 * defence for a log call that passes a credential by mistake.
 */
export const redactedLogPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-connect-service-token"]',
  'res.headers["set-cookie"]',
  "credentials",
  "*.credentials",
  "password",
  "*.password",
  "token",
  "*.token",
  "api_key",
  "*.api_key",
  "secret_access_key",
  "*.secret_access_key",
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: "backend" },
    redact: { paths: redactedLogPaths, censor: "[redacted]" },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}
