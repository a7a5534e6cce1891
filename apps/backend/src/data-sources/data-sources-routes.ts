import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";

/** Data sources: CRUD with credentials validated through connect and encrypted at rest. */
export async function dataSourcesRoutes(_app: FastifyInstance, _options: { context: AppContext }): Promise<void> {}
