/**
 * The backend's answers as the CLI expects them, checked before use: a field of the wrong shape is a
 * clear "unexpected response" error naming the field, never a crash or a half-written file.
 */
import { CliError } from "./errors.js";

export interface User {
  id: string;
  email: string;
  name: string;
}

export type ServiceStatus = "connected" | "expired" | "not_connected";

export interface ServiceItem {
  id: string;
  name: string;
  description: string;
  available: boolean;
  unavailable_reason: string | null;
  status: ServiceStatus | string;
  connected_at: string | null;
  expires_at: string | null;
  /** A few characters of the key, to recognise it (never the key). */
  api_key_hint: string | null;
  env: { api_key?: string; base_url?: string };
}

export interface DeliveredEnv {
  name: string;
  value: string;
  service_id: string;
}

export interface DeliveredSkill {
  service_id: string;
  file_name: string;
  content: string;
}

export interface Delivery {
  generated_at: string;
  env: DeliveredEnv[];
  skills: DeliveredSkill[];
  expired: { service_id: string; expires_at: string | null }[];
}

export interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string | null;
  expires_in: number;
  interval: number;
}

export interface DeviceToken {
  access_token: string;
  user: User;
}

type Json = Record<string, unknown>;

function unexpected(what: string, field: string): CliError {
  return new CliError("unexpected_response", `Unexpected response from the backend (${what}): field "${field}" is missing or has the wrong type`);
}

function object(value: unknown, what: string, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw unexpected(what, field);
  return value as Json;
}

function array(value: unknown, what: string, field: string): unknown[] {
  if (!Array.isArray(value)) throw unexpected(what, field);
  return value;
}

function string(value: unknown, what: string, field: string): string {
  if (typeof value !== "string") throw unexpected(what, field);
  return value;
}

function optionalString(value: unknown, what: string, field: string): string | null {
  if (value === undefined || value === null) return null;
  return string(value, what, field);
}

function number(value: unknown, what: string, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw unexpected(what, field);
  return value;
}

export function parseUser(body: unknown, what = "GET /api/me", prefix = ""): User {
  const user = object(body, what, prefix || "(body)");
  return {
    id: string(user.id, what, `${prefix}id`),
    email: string(user.email, what, `${prefix}email`),
    name: string(user.name, what, `${prefix}name`),
  };
}

function parseService(value: unknown, what: string, field: string): ServiceItem {
  const item = object(value, what, field);
  const env = item.env === undefined || item.env === null ? {} : object(item.env, what, `${field}.env`);
  const apiKey = optionalString(env.api_key, what, `${field}.env.api_key`);
  const baseUrl = optionalString(env.base_url, what, `${field}.env.base_url`);
  return {
    id: string(item.id, what, `${field}.id`),
    name: string(item.name, what, `${field}.name`),
    description: optionalString(item.description, what, `${field}.description`) ?? "",
    available: item.available !== false,
    unavailable_reason: optionalString(item.unavailable_reason, what, `${field}.unavailable_reason`),
    status: string(item.status, what, `${field}.status`),
    connected_at: optionalString(item.connected_at, what, `${field}.connected_at`),
    expires_at: optionalString(item.expires_at, what, `${field}.expires_at`),
    api_key_hint: optionalString(item.api_key_hint, what, `${field}.api_key_hint`),
    env: { ...(apiKey === null ? {} : { api_key: apiKey }), ...(baseUrl === null ? {} : { base_url: baseUrl }) },
  };
}

export function parseServiceList(body: unknown): ServiceItem[] {
  const what = "GET /api/service-connectors";
  return array(object(body, what, "(body)").services, what, "services").map((item, index) => parseService(item, what, `services[${index}]`));
}

export function parseServiceResponse(body: unknown, what: string): ServiceItem {
  return parseService(object(body, what, "(body)").service, what, "service");
}

export function parseDisconnect(body: unknown): { service: ServiceItem; revoked: boolean; message: string } {
  const what = "POST /api/service-connectors/disconnect";
  const root = object(body, what, "(body)");
  return {
    service: parseService(root.service, what, "service"),
    revoked: root.revoked === true,
    message: optionalString(root.message, what, "message") ?? "",
  };
}

export function parseDelivery(body: unknown): Delivery {
  const what = "GET /api/service-connectors/delivery";
  const root = object(body, what, "(body)");
  return {
    generated_at: optionalString(root.generated_at, what, "generated_at") ?? "",
    env: array(root.env, what, "env").map((value, index) => {
      const entry = object(value, what, `env[${index}]`);
      return {
        name: string(entry.name, what, `env[${index}].name`),
        value: string(entry.value, what, `env[${index}].value`),
        service_id: string(entry.service_id, what, `env[${index}].service_id`),
      };
    }),
    skills: array(root.skills, what, "skills").map((value, index) => {
      const skill = object(value, what, `skills[${index}]`);
      return {
        service_id: string(skill.service_id, what, `skills[${index}].service_id`),
        file_name: string(skill.file_name, what, `skills[${index}].file_name`),
        content: string(skill.content, what, `skills[${index}].content`),
      };
    }),
    expired: (root.expired === undefined ? [] : array(root.expired, what, "expired")).map((value, index) => {
      const item = object(value, what, `expired[${index}]`);
      return {
        service_id: string(item.service_id, what, `expired[${index}].service_id`),
        expires_at: optionalString(item.expires_at, what, `expired[${index}].expires_at`),
      };
    }),
  };
}

export function parseDeviceCode(body: unknown): DeviceCode {
  const what = "POST /api/cli/device-codes";
  const root = object(body, what, "(body)");
  return {
    device_code: string(root.device_code, what, "device_code"),
    user_code: string(root.user_code, what, "user_code"),
    verification_uri: string(root.verification_uri, what, "verification_uri"),
    verification_uri_complete: optionalString(root.verification_uri_complete, what, "verification_uri_complete"),
    expires_in: number(root.expires_in, what, "expires_in"),
    interval: root.interval === undefined ? 5 : number(root.interval, what, "interval"),
  };
}

export function parseDeviceToken(body: unknown): DeviceToken {
  const what = "POST /api/cli/device-codes/token";
  const root = object(body, what, "(body)");
  return { access_token: string(root.access_token, what, "access_token"), user: parseUser(root.user, what, "user.") };
}

/** `{"error":{"code","message","field?"}}`, or null when the body is not that. */
export function parseApiError(body: unknown): { code: string; message: string; field?: string } | null {
  if (typeof body !== "object" || body === null) return null;
  const error = (body as Json).error;
  if (typeof error !== "object" || error === null) return null;
  const { code, message, field } = error as Json;
  if (typeof code !== "string") return null;
  return { code, message: typeof message === "string" ? message : code, ...(typeof field === "string" ? { field } : {}) };
}
