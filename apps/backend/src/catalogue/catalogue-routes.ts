import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";

/** The schema catalogue: synced from connect after each run, with user-edited descriptions and mappings. */
export async function catalogueRoutes(_app: FastifyInstance, _options: { context: AppContext }): Promise<void> {}
