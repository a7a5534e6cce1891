import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import Fastify, { LogController } from "fastify";
import pino, { type DestinationStream } from "pino";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppContext } from "./app-context.js";
import { accessTokensRoutes } from "./access-tokens/access-tokens-routes.js";
import { createAuth } from "./auth/auth-instance.js";
import { authRoutes } from "./auth/auth-routes.js";
import { createUserResolver } from "./auth/request-user.js";
import type { BackendConfig } from "./config.js";
import { ConnectClient } from "./connect/connect-client.js";
import type { Databases } from "./db/databases.js";
import { healthRoutes } from "./health/health-routes.js";
import { loggerOptions } from "./logging.js";
import { errorHandler } from "./plugins/error-handler.js";
import { openApi } from "./plugins/openapi.js";
import { workspacesRoutes } from "./workspaces/workspaces-routes.js";
import { dataSourcesRoutes } from "./data-sources/data-sources-routes.js";
import { runsRoutes } from "./runs/runs-routes.js";
import { catalogueRoutes } from "./catalogue/catalogue-routes.js";
import { QueryEngine } from "./query/query-engine.js";
import { queryRoutes } from "./query/query-routes.js";
import { QueryService } from "./query/query-service.js";
import { savedQueriesRoutes } from "./saved-queries/saved-queries-routes.js";
import { cliLoginRoutes } from "./cli-login/cli-login-routes.js";
import { HomeDelivery } from "./service-connectors/home-delivery.js";
import { ServiceExchangeClient } from "./service-connectors/service-exchange-client.js";
import { defaultRegistryPath, loadServiceRegistry } from "./service-connectors/service-registry.js";
import { serviceConnectorsRoutes } from "./service-connectors/service-connectors-routes.js";
import { ServiceConnectorsService } from "./service-connectors/service-connectors-service.js";
import { parseEncryptionKey, SecretBox } from "@tributary/crypto";

export const serviceVersion = "0.1.0";

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

export interface BuildServerOptions {
  /** Where log lines go (default: stdout). Tests pass a stream to inspect them. */
  logStream?: DestinationStream;
}

/** Builds the backend with every route on open databases; the caller listens and closes. */
export async function buildServer(config: BackendConfig, databases: Databases, options: BuildServerOptions = {}) {
  const app = Fastify({
    loggerInstance: pino(loggerOptions(config.logLevel), options.logStream ?? pino.destination(1)),
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: "request_id" }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // Behind an ingress the client address comes from X-Forwarded-For (sign-in rate limits use it).
    trustProxy: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  const auth = createAuth(config, databases);
  const connect = new ConnectClient({ baseUrl: config.connectServiceUrl, serviceToken: config.connectServiceToken });
  const secretBox = new SecretBox({
    activeKey: parseEncryptionKey(config.encryptionKey),
    previousKeys: config.previousEncryptionKeys.map((key) => parseEncryptionKey(key)),
  });
  const context: AppContext = { config, databases, auth, requireUser: createUserResolver(auth, databases, [config.frontendUrl, config.betterAuthUrl]), connect, secretBox };

  await app.register(errorHandler);
  await app.register(openApi, { version: serviceVersion });
  await app.register(healthRoutes, { context, connect });
  await app.register(authRoutes, { auth, baseUrl: config.betterAuthUrl });
  await app.register(workspacesRoutes, { context });
  await app.register(accessTokensRoutes, { context });
  await app.register(dataSourcesRoutes, { context });
  await app.register(runsRoutes, { context });
  await app.register(catalogueRoutes, { context });

  const queryEngine = await QueryEngine.open(config, databases.core, app.log);
  app.addHook("onClose", async () => queryEngine.close());
  const queries = new QueryService(context, queryEngine, app.log);
  await app.register(queryRoutes, { context, service: queries });
  await app.register(savedQueriesRoutes, { context, queries });
  await app.register(cliLoginRoutes, { context });

  const scConfig = config.serviceConnectors;
  // The shipped registry is optional (an install without it lists no services); a configured one must load.
  const registryPath = scConfig.registryPath ?? (existsSync(defaultRegistryPath) ? defaultRegistryPath : undefined);
  const registry = registryPath ? loadServiceRegistry({ path: registryPath, environment: scConfig.secrets, allowInsecureHttp: scConfig.allowInsecureHttp }) : [];
  const home = scConfig.homeRoot ? new HomeDelivery(scConfig.homeRoot, scConfig.homeUsers) : undefined;
  const serviceConnectors = new ServiceConnectorsService(databases, secretBox, registry, new ServiceExchangeClient(scConfig.timeoutSeconds * 1000), home, config.jobPollSeconds, app.log);
  await app.register(serviceConnectorsRoutes, { context, service: serviceConnectors });
  // Revocations owed to services that were down, retried on every replica (each claims its own rows).
  const retries = setInterval(() => {
    serviceConnectors.retryRevocations().catch((error: unknown) => app.log.warn({ err: error }, "revocation retries failed"));
  }, config.jobPollSeconds * 1000);
  retries.unref();
  app.addHook("onClose", async () => clearInterval(retries));
  return app;
}
