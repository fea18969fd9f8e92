import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * @nestjs/swagger writes OpenAPI 3.0's `nullable: true`; OpenAPI 3.1 schemas are JSON Schema 2020-12, where
 * null is a type. Each nullable schema becomes `type: [<type>, "null"]` (with `null` among its `enum`), or,
 * for a reference or composition, `anyOf: [<schema>, {type: "null"}]`.
 */
export function toOpenApi31(document: OpenAPIObject): OpenAPIObject {
  return convert(document) as OpenAPIObject;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (!isObject(value)) return value;
  const converted: Json = {};
  for (const [key, child] of Object.entries(value)) converted[key] = convert(child);
  if (typeof converted.nullable !== 'boolean') return converted;
  const { nullable, ...schema } = converted;
  if (!nullable) return schema;
  if (typeof schema.type === 'string' || Array.isArray(schema.type)) {
    const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
    const nullableSchema: Json = { ...schema, type: types.includes('null') ? types : [...types, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) nullableSchema.enum = [...(schema.enum as unknown[]), null];
    return nullableSchema;
  }
  const { description, ...rest } = schema;
  return { ...(description === undefined ? {} : { description }), anyOf: [rest, { type: 'null' }] };
}
