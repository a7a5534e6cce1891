import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";

const statusOkSchema = z.object({ status: z.literal("ok") });

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/health",
    { schema: { summary: "Liveness probe (no authentication)", tags: ["health"], response: { 200: statusOkSchema } } },
    async () => ({ status: "ok" as const }),
  );
};
