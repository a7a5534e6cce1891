import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { AppContext } from "../app-context.js";
import type { ConnectClient } from "../connect/connect-client.js";

/** `/health`: the process answers (liveness). `/ready`: its databases and connect answer (readiness). */
export async function healthRoutes(app: FastifyInstance, { context, connect }: { context: AppContext; connect: ConnectClient }): Promise<void> {
  app.get("/health", { schema: { tags: ["health"] } }, async () => ({ status: "ok" }));

  app.get("/ready", { schema: { tags: ["health"] } }, async (_request, reply) => {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await probe();
        return "ok" as const;
      } catch {
        return "unavailable" as const;
      }
    };
    const [auth, core, connectState] = await Promise.all([
      check(() => sql`select 1`.execute(context.databases.auth)),
      check(() => sql`select 1`.execute(context.databases.core)),
      connect.healthy().then((ok) => (ok ? ("ok" as const) : ("unavailable" as const))),
    ]);
    const checks = { auth_database: auth, core_database: core, connect: connectState };
    const ready = Object.values(checks).every((state) => state === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks });
  });
}
