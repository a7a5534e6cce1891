/**
 * The backend's REST API as the CLI uses it. Failures become {@link CliError}s with the right exit code:
 * unreachable (connection refused, DNS, timeout) is 4, a rejected token (401) is 3, any other error
 * answer is 1 with the backend's own `{error: {code, message}}`.
 */
import {
  type Delivery,
  type ServiceItem,
  type User,
  parseApiError,
  parseDelivery,
  parseDisconnect,
  parseServiceList,
  parseServiceResponse,
  parseUser,
} from "./contract.js";
import { CliError, ExitCode } from "./errors.js";

/** A backend that has not answered by then is treated as unreachable. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface RawResponse {
  status: number;
  body: unknown;
}

export class BackendClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** One request; only transport failures throw. The token travels only to `baseUrl`: redirects are not followed. */
  async request(method: "GET" | "POST", path: string, body?: unknown): Promise<RawResponse> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(this.baseUrl, error);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw unreachable(this.baseUrl, error);
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location");
      throw new CliError(
        "redirected",
        `The backend answered ${method} ${path} with a redirect${location ? ` to ${location}` : ""}; log in again with --url set to the backend's final address`,
      );
    }
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: response.status, body: parsed };
  }

  /** A request whose 2xx JSON answer is parsed by `parse`; any other answer throws. */
  async call<T>(method: "GET" | "POST", path: string, body: unknown, parse: (body: unknown) => T): Promise<T> {
    const response = await this.request(method, path, body);
    if (response.status >= 200 && response.status < 300) {
      if (response.body === undefined) {
        throw new CliError("unexpected_response", `Unexpected response from the backend (${method} ${path}): the body is not JSON`);
      }
      return parse(response.body);
    }
    throw errorFromResponse(method, path, response);
  }

  /** A request answered as text (a CSV or JSON-lines export); a non-2xx answer throws. */
  async text(method: "POST", path: string, body: unknown): Promise<string> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), "content-type": "application/json" },
        body: JSON.stringify(body),
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 10),
      });
    } catch (error) {
      throw unreachable(this.baseUrl, error);
    }
    const text = await response.text().catch((error: unknown) => {
      throw unreachable(this.baseUrl, error);
    });
    if (response.status >= 200 && response.status < 300) return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    throw errorFromResponse(method, path, { status: response.status, body: parsed });
  }

  me(): Promise<User> {
    return this.call("GET", "/api/me", undefined, (body) => parseUser(body));
  }

  services(): Promise<ServiceItem[]> {
    return this.call("GET", "/api/service-connectors", undefined, parseServiceList);
  }

  connect(serviceId: string): Promise<ServiceItem> {
    const path = "/api/service-connectors/connect";
    return this.call("POST", path, { service_id: serviceId }, (body) => parseServiceResponse(body, `POST ${path}`));
  }

  disconnect(serviceId: string): Promise<{ service: ServiceItem; revoked: boolean; message: string }> {
    return this.call("POST", "/api/service-connectors/disconnect", { service_id: serviceId }, parseDisconnect);
  }

  delivery(): Promise<Delivery> {
    return this.call("GET", "/api/service-connectors/delivery", undefined, parseDelivery);
  }
}

function unreachable(baseUrl: string, error: unknown): CliError {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  const reason =
    err.name === "TimeoutError" || err.name === "AbortError"
      ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
      : (err.cause?.code ?? err.cause?.message ?? err.message);
  return new CliError("backend_unreachable", `Cannot reach the backend at ${baseUrl}: ${reason}`, ExitCode.unreachable);
}

/** The CliError for a non-2xx answer: 401 is exit 3, the rest exit 1 with the backend's code and message. */
export function errorFromResponse(method: string, path: string, response: RawResponse): CliError {
  const apiError = parseApiError(response.body);
  if (response.status === 401) {
    return new CliError(
      "unauthorized",
      `The backend rejected the access token${apiError ? ` (${apiError.message})` : ""}: run \`tributary login\` again`,
      ExitCode.auth,
    );
  }
  if (apiError) return new CliError(apiError.code, apiError.message, ExitCode.failure, apiError.field);
  if (response.status === 404) {
    return new CliError("not_found", `The backend has no ${method} ${path} (404): is it a Tributary backend, and recent enough?`);
  }
  return new CliError(`http_${response.status}`, `The backend answered ${method} ${path} with HTTP ${response.status}`);
}
