import type { BackendConfig } from "./config.js";
import type { Databases } from "./db/databases.js";
import type { Auth } from "./auth/auth-instance.js";
import type { RequireUser } from "./auth/request-user.js";
import type { ConnectClient } from "./connect/connect-client.js";
import type { SecretBox } from "@tributary/crypto";

/**
 * What every domain plugin is given: configuration, the databases, auth. Domains add their own services
 * to it when they are wired in server.ts; nothing here is global.
 */
export interface AppContext {
  config: BackendConfig;
  databases: Databases;
  auth: Auth;
  requireUser: RequireUser;
  connect: ConnectClient;
  /** Encrypts and decrypts credentials at rest (DATASOURCES_ENCRYPTION_KEY, previous keys for rotation). */
  secretBox: SecretBox;
}
