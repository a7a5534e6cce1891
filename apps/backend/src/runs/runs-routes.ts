import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";

/** Runs and schedules: "sync now", the durable job queue dispatching runs to connect, history, cancel. */
export async function runsRoutes(_app: FastifyInstance, _options: { context: AppContext }): Promise<void> {}
