import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiErrorCode } from "../api-error.js";
import type { Auth } from "./auth-instance.js";

/** Node's request headers as the Fetch API's, which better-auth speaks. */
export function fetchHeaders(request: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  return headers;
}

const codeByStatus: Record<number, ApiErrorCode> = { 400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 422: "bad_request", 429: "rate_limited" };

/**
 * Serves better-auth under `/api/auth/*`: sign-up, sign-in, sign-out, session, OAuth callbacks. Its
 * failures are re-shaped into the API's one error shape (`{error: {code, message}}`), better-auth's own
 * code kept as `auth_code`.
 */
export async function authRoutes(app: FastifyInstance, options: { auth: Auth; baseUrl: string }): Promise<void> {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, options.baseUrl);
    const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== undefined;
    const response = await options.auth.handler(
      new Request(url, { method: request.method, headers: fetchHeaders(request), body: hasBody ? JSON.stringify(request.body) : undefined }),
    );
    reply.code(response.status);
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie" && name !== "content-length") reply.header(name, value);
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) reply.header("set-cookie", cookies);
    const text = await response.text();
    if (response.status < 400) return reply.send(text.length > 0 ? text : null);
    let said: { message?: string; code?: string } = {};
    try {
      said = JSON.parse(text) as typeof said;
    } catch {
      // An empty or non-JSON failure: the status says enough.
    }
    const code = codeByStatus[response.status] ?? (response.status >= 500 ? "internal_error" : "bad_request");
    reply.header("content-type", "application/json; charset=utf-8");
    return reply.send({ error: { code, message: said.message ?? `Authentication failed (HTTP ${response.status})`, ...(said.code ? { auth_code: said.code } : {}) } });
  };
  app.route({ method: ["GET", "POST"], url: "/api/auth/*", schema: { hide: true }, handler: handle });
}
