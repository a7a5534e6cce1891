import type { FastifyInstance, FastifyReply } from "fastify";
import { authenticateLinear } from "./linear-auth.js";
import { exactQueryComplexity } from "./linear-complexity.js";
import {
  authenticationError,
  badRequestError,
  queryTooComplexError,
  rateLimitedError,
  syntaxError,
  validationErrors,
  type LinearErrorResponse,
} from "./linear-errors.js";
import { answerBody, executeOperation, validateOperation, type RenderCache } from "./linear-executor.js";
import type { LinearStore } from "./linear-store.js";
import { GraphqlSyntaxError, GraphqlValidationError, parseOperation, type OperationNode } from "./linear-query-parser.js";
import { rateLimitHeaders, type LinearRateLimiter } from "./linear-rate-limiter.js";
import { effectiveScopes, type LinearTokenGrant } from "./linear-tokens.js";

export interface LinearSimulatorState {
  store: LinearStore;
  tokens: Map<string, LinearTokenGrant>;
  rateLimiter: LinearRateLimiter;
  /** HTTP status of a RATELIMITED answer: 400 today, 200 in earlier versions of Linear's docs. */
  rateLimitedStatus: number;
  /** Largest page a connection serves (Linear: 250). */
  maxPageSize: number;
  /** Largest complexity of one query (Linear: 10,000); larger queries are refused. */
  maxComplexity: number;
  /** Added to every answer of /graphql, to model a distant API. */
  latencyMs: number;
  cache: RenderCache;
}

interface GraphqlRequestBody {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** Linear's single public endpoint: every query is a POST of `{query, variables, operationName}` to /graphql. */
export function registerLinearRoutes(app: FastifyInstance, state: LinearSimulatorState): void {
  app.post("/graphql", async (request, reply) => {
    if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));
    const now = Date.now();
    const caller = authenticateLinear(request.headers.authorization, state.tokens, state.store);
    if (!caller) {
      const buckets = state.rateLimiter.bucketsFor("unauthenticated", request.ip, now);
      buckets.requests.tryTake(1, now);
      return send(reply, authenticationError(), rateLimitHeaders(buckets, now));
    }

    const buckets = state.rateLimiter.bucketsFor(caller.grant.kind, caller.grant.userId, now);
    if (!buckets.requests.tryTake(1, now)) {
      return send(reply, rateLimitedError(state.rateLimitedStatus, "requests", buckets.requests.capacity), rateLimitHeaders(buckets, now));
    }

    const body = (request.body ?? {}) as GraphqlRequestBody;
    if (typeof body.query !== "string" || body.query.trim() === "") {
      return send(
        reply,
        badRequestError("GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension."),
        rateLimitHeaders(buckets, now),
      );
    }
    const variables = isRecord(body.variables) ? body.variables : {};
    const operationName = typeof body.operationName === "string" ? body.operationName : undefined;

    let operation: OperationNode;
    try {
      operation = parseOperation(body.query, operationName);
    } catch (error) {
      return send(reply, documentError(error), rateLimitHeaders(buckets, now));
    }
    const problems = validateOperation(operation);
    if (problems.length > 0) return send(reply, validationErrors(problems), rateLimitHeaders(buckets, now));

    const exactComplexity = exactQueryComplexity(operation.selections, variables);
    if (exactComplexity > state.maxComplexity) {
      return send(reply, queryTooComplexError(exactComplexity, state.maxComplexity), rateLimitHeaders(buckets, now));
    }
    const complexity = Math.ceil(exactComplexity);
    if (!buckets.complexity.tryTake(complexity, now)) {
      return send(
        reply,
        rateLimitedError(state.rateLimitedStatus, "complexity", buckets.complexity.capacity),
        rateLimitHeaders(buckets, now),
      );
    }
    const headers = { ...rateLimitHeaders(buckets, now), "x-complexity": String(complexity) };

    try {
      const result = executeOperation(operation, {
        store: state.store,
        viewer: caller.viewer,
        scopes: effectiveScopes(caller.grant),
        variables,
        maxPageSize: state.maxPageSize,
        cache: state.cache,
      });
      if (result.errors.length > 0) {
        return reply.code(400).headers(headers).send({ errors: result.errors, data: result.data });
      }
      // Cached nodes are JSON text already: the body is assembled rather than stringified again.
      return reply.code(200).headers(headers).type("application/json; charset=utf-8").send(answerBody({ data: result.data }));
    } catch (error) {
      return send(reply, documentError(error), headers);
    }
  });
}

function documentError(error: unknown): LinearErrorResponse {
  if (error instanceof GraphqlSyntaxError) return syntaxError(error.message, error.location);
  if (error instanceof GraphqlValidationError) return validationErrors([{ message: error.message, location: error.location }]);
  throw error;
}

function send(reply: FastifyReply, response: LinearErrorResponse, headers: Record<string, string>): FastifyReply {
  return reply.code(response.status).headers(headers).send(response.body);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
