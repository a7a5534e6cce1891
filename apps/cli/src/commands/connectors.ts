/** `connectors list | connect <id> | disconnect <id>`. */
import { BackendClient } from "../api.js";
import type { ServiceItem } from "../contract.js";
import { requireSession } from "../config.js";
import { type Context, day, printResult, table } from "../output.js";

async function client(ctx: Context): Promise<BackendClient> {
  const session = await requireSession(ctx.io);
  return new BackendClient(session.url, session.token);
}

function statusText(service: ServiceItem): string {
  if (!service.available) return service.unavailable_reason ? `unavailable: ${service.unavailable_reason}` : "unavailable";
  return service.status.replace(/_/g, " ");
}

export async function listConnectors(ctx: Context): Promise<void> {
  const services = await (await client(ctx)).services();
  const rows = [
    ["ID", "NAME", "STATUS", "EXPIRES", "KEY", "ENV"],
    ...services.map((service) => [
      service.id,
      service.name,
      statusText(service),
      day(service.expires_at),
      service.api_key_hint ?? "-",
      [service.env.api_key, service.env.base_url].filter(Boolean).join(", ") || "-",
    ]),
  ];
  const human = services.length === 0 ? "No service connectors are configured on this backend." : table(rows);
  printResult(ctx, human, { services });
}

export async function connectService(ctx: Context, serviceId: string): Promise<void> {
  const service = await (await client(ctx)).connect(serviceId);
  const expiry = service.expires_at ? `; the key expires on ${day(service.expires_at)}` : "";
  printResult(ctx, `Connected ${service.name} (${service.id})${expiry}.\nRun \`tributary sync\` in your project to deliver the key and skill.`, { service });
}

export async function disconnectService(ctx: Context, serviceId: string): Promise<void> {
  const result = await (await client(ctx)).disconnect(serviceId);
  const lines = [
    `Disconnected ${result.service.name} (${result.service.id}).`,
    result.message || (result.revoked ? "The key was revoked." : "The service did not confirm that the key was revoked."),
    "Run `tributary sync` in your project to remove the key and skill from it.",
  ];
  printResult(ctx, lines.join("\n"), result);
}
