import { z } from "zod";

/**
 * connect's environment, with the names, defaults and failure messages of the reference deployment.
 * A missing token is reported with the exact reference wording because operators search for it.
 */
const environmentSchema = z.object({
  HOST: z.string().trim().min(1, { error: "must not be empty" }).default("127.0.0.1"),
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, { error: "must be a whole number between 0 and 65535" })
    .transform(Number)
    // 0 asks the OS for a free port (tests and benchmarks); the chosen port is in the start-up log line.
    .refine((port) => port >= 0 && port <= 65535, { error: "must be a whole number between 0 and 65535" })
    .default(8000),
  CONNECT_SERVICE_TOKEN: z
    .string({ error: "must be set" })
    .min(1, { error: "must be set" }),
  /** When set, S3 requests go to this endpoint with path-style addressing (MinIO and other S3-compatibles). */
  S3_ENDPOINT: z.url({ error: "must be an http(s) URL" }).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Total time a credential check may take, provider retries included. */
  CONNECT_VALIDATE_DEADLINE_MS: z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number of milliseconds" })
    .transform(Number)
    .default(20_000),
});

export type ConnectConfig = {
  host: string;
  port: number;
  serviceToken: string;
  s3Endpoint: string | undefined;
  logLevel: z.infer<typeof environmentSchema>["LOG_LEVEL"];
  validateDeadlineMs: number;
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(environment: NodeJS.ProcessEnv): ConnectConfig {
  // An empty variable means unset: that is how Kubernetes Secrets and `.env` files leave them.
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ""));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw new ConfigError(`${name} ${issue?.message ?? "is invalid"}`);
  }
  const env = result.data;
  return {
    host: env.HOST,
    port: env.PORT,
    serviceToken: env.CONNECT_SERVICE_TOKEN,
    s3Endpoint: env.S3_ENDPOINT,
    logLevel: env.LOG_LEVEL,
    validateDeadlineMs: env.CONNECT_VALIDATE_DEADLINE_MS,
  };
}
