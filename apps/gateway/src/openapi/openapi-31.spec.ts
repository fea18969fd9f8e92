import type { OpenAPIObject } from '@nestjs/swagger';
import { toOpenApi31 } from './openapi-31';

const documentWith = (schema: Record<string, unknown>): OpenAPIObject => ({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {},
  components: { schemas: { Sample: { type: 'object', properties: { field: schema } } } },
});

const fieldOf = (document: OpenAPIObject): unknown =>
  (document.components?.schemas?.Sample as { properties: Record<string, unknown> }).properties.field;

describe(toOpenApi31.name, () => {
  it.each([
    ['a typed schema', { type: 'string', nullable: true }, { type: ['string', 'null'] }],
    ['an enum', { type: 'string', enum: ['a', 'b'], nullable: true }, { type: ['string', 'null'], enum: ['a', 'b', null] }],
    [
      'a reference',
      { description: 'd', allOf: [{ $ref: '#/components/schemas/X' }], nullable: true },
      { description: 'd', anyOf: [{ allOf: [{ $ref: '#/components/schemas/X' }] }, { type: 'null' }] },
    ],
    ['a schema that is not nullable', { type: 'integer', nullable: false }, { type: 'integer' }],
    ['a schema without nullable', { type: 'integer' }, { type: 'integer' }],
  ])('writes %s with JSON Schema null types', (_name, schema, expected) => {
    expect(fieldOf(toOpenApi31(documentWith(schema)))).toEqual(expected);
  });

  it('leaves a property named nullable alone', () => {
    const document = documentWith({ type: 'object', properties: { nullable: { type: 'boolean' } } });
    expect(fieldOf(toOpenApi31(document))).toEqual({ type: 'object', properties: { nullable: { type: 'boolean' } } });
  });
});
