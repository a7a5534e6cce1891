import { z } from "zod";

/** JSON Schema of what a client sends (defaults make fields optional), for forms and the connector listing. */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const jsonSchema = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return jsonSchema;
}
