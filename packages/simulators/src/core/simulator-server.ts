import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { FaultInjector, type FaultKind, type FaultSpec } from "./fault-injector.js";
import type { ChangeSpec, DatasetControl } from "./dataset-types.js";
import { RequestLog } from "./request-log.js";

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** How a provider answers each kind of injected fault, in its own wire format. */
export type FaultRenderer = (fault: FaultSpec & { kind: Exclude<FaultKind, "hang" | "hold"> }, reply: FastifyReply) => FastifyReply;

export interface SimulatorDefinition {
  name: string;
  register(app: FastifyInstance): void | Promise<void>;
  renderFault: FaultRenderer;
  /** Rewrites a path before it is logged, for providers whose URLs carry a token (HubSpot's token metadata). */
  redactPath?: (path: string) => string;
  /** The dataset behind the routes, exposed on the admin API as `/_simulator/changes` and `/_simulator/truth/:stream`. */
  dataset?: DatasetControl;
}

export interface RunningSimulator {
  name: string;
  url: string;
  port: number;
  requests: RequestLog;
  faults: FaultInjector;
  close(): Promise<void>;
}

const adminPrefix = "/_simulator";

/**
 * Starts a provider simulator: a real HTTP server with the provider's routes, a request log, fault
 * injection, and an admin API under `/_simulator` (faults, request counts) for processes that cannot
 * reach the objects directly.
 */
export async function startSimulator(definition: SimulatorDefinition, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  // A test double closes at once: connections a client abandoned must not hold the suite.
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
  const requests = new RequestLog();
  const faults = new FaultInjector();
  const hanging = new Set<FastifyReply>();

  // Slack's Web API takes form-encoded bodies as readily as JSON.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    if (path.startsWith(adminPrefix)) return;
    const fault = faults.take(path);
    if (!fault) return;
    if (fault.kind === "hang") {
      hanging.add(reply);
      reply.raw.on("close", () => hanging.delete(reply));
      return reply.hijack();
    }
    if (fault.kind === "hold") {
      await faults.hold();
      return;
    }
    return definition.renderFault({ ...fault, kind: fault.kind }, reply);
  });

  app.addHook("onResponse", async (request, reply) => {
    const path = pathOf(request);
    if (path.startsWith(adminPrefix)) return;
    requests.record({
      method: request.method,
      path: definition.redactPath ? definition.redactPath(path) : path,
      query: Object.fromEntries(new URL(request.url, "http://simulator").searchParams),
      status: reply.statusCode,
      authenticated: Boolean(request.headers.authorization),
    });
  });

  app.post(`${adminPrefix}/faults`, async (request, reply) => {
    faults.inject(request.body as FaultSpec);
    return reply.code(201).send({ armed: faults.armed });
  });
  app.post(`${adminPrefix}/faults/release`, async () => {
    faults.releaseHeld();
    return { released: true };
  });
  app.delete(`${adminPrefix}/faults`, async () => {
    faults.clear();
    return { armed: 0 };
  });
  app.get(`${adminPrefix}/requests`, async () => ({ total: requests.count(), requests: requests.all() }));
  app.delete(`${adminPrefix}/requests`, async () => {
    requests.clear();
    return { total: 0 };
  });

  const dataset = definition.dataset;
  if (dataset) {
    app.post(`${adminPrefix}/changes`, async (request) => dataset.applyChanges(request.body as ChangeSpec));
    app.get<{ Params: { stream: string } }>(`${adminPrefix}/truth/:stream`, async (request) => {
      const records = dataset.groundTruth(request.params.stream);
      return { total: records.length, records };
    });
  }

  await definition.register(app);
  await app.listen({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error(`${definition.name} simulator has no TCP address`);

  return {
    name: definition.name,
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    faults,
    async close() {
      faults.releaseHeld();
      for (const reply of hanging) reply.raw.destroy();
      await app.close();
    },
  };
}

function pathOf(request: FastifyRequest): string {
  const index = request.url.indexOf("?");
  return index === -1 ? request.url : request.url.slice(0, index);
}

/** The bearer token of a request, from `Authorization: Bearer x`, `token x` or a bare `x` (Linear API keys). */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^(?:bearer|token)\s+(.+)$/i.exec(header.trim());
  return match ? match[1] : header.trim();
}
