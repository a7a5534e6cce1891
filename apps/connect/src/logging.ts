import type { LoggerOptions } from "pino";

/**
 * Paths pino blanks before a line is written. Bodies are never logged, but redaction is the second
 * line of defence for a log call that passes one by mistake.
 */
export const redactedLogPaths = [
  'req.headers["x-connect-service-token"]',
  "req.headers.authorization",
  "req.headers.cookie",
  "credentials",
  "*.credentials",
  "token",
  "*.token",
  "access_token",
  "*.access_token",
  "api_key",
  "*.api_key",
  "secret_access_key",
  "*.secret_access_key",
  "session_token",
  "*.session_token",
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: "connect" },
    redact: { paths: redactedLogPaths, censor: "[redacted]" },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}
