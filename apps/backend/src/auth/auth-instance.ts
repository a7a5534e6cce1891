import { betterAuth } from "better-auth";
import type { BackendConfig } from "../config.js";
import type { Databases } from "../db/databases.js";

export type AuthConfig = Pick<BackendConfig, "betterAuthSecret" | "betterAuthUrl" | "frontendUrl" | "google">;

/** Attempts allowed per client address and minute on the sign-in and sign-up endpoints. */
export const signInAttemptsPerMinute = 5;

/**
 * better-auth: email and password with cookie sessions, Google when configured, rate limits kept in
 * the auth database (so every replica counts the same attempts). Its routes are served under
 * `/api/auth/*` by auth-routes.ts.
 */
export function createAuth(config: AuthConfig, databases: Databases) {
  return betterAuth({
    appName: "Tributary",
    database: { db: databases.auth, type: "postgres" },
    secret: config.betterAuthSecret,
    baseURL: config.betterAuthUrl,
    basePath: "/api/auth",
    trustedOrigins: [config.frontendUrl],
    emailAndPassword: { enabled: true, minPasswordLength: 10, autoSignIn: true },
    ...(config.google ? { socialProviders: { google: { clientId: config.google.clientId, clientSecret: config.google.clientSecret } } } : {}),
    rateLimit: {
      enabled: true,
      storage: "database",
      window: 60,
      max: 100,
      customRules: {
        "/sign-in/email": { window: 60, max: signInAttemptsPerMinute },
        "/sign-up/email": { window: 60, max: signInAttemptsPerMinute },
      },
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;
