import { describe, expect, it } from 'vitest';
import { componentClosure, withoutAnnotations, type Json } from './extract.ts';

describe('withoutAnnotations', () => {
  it('drops prose and examples but keeps properties that happen to be named like them, and data', () => {
    const schema = {
      type: 'object',
      description: 'A release.',
      example: { name: 'v1' },
      properties: { description: { type: 'string', description: 'The text.' }, examples: { type: 'array' } },
      enum: [{ description: 'kept: this is a value' }],
    };
    expect(withoutAnnotations(schema)).toEqual({
      type: 'object',
      properties: { description: { type: 'string' }, examples: { type: 'array' } },
      enum: [{ description: 'kept: this is a value' }],
    });
  });
});

describe('componentClosure', () => {
  const document = {
    components: {
      schemas: {
        release: { type: 'object', properties: { author: { $ref: '#/components/schemas/simple-user' } }, description: 'x' },
        'simple-user': { type: 'object', properties: { plan: { $ref: '#/components/schemas/plan' } } },
        plan: { type: 'string' },
        unused: { type: 'integer' },
      },
      responses: { not_found: { content: { 'application/json': { schema: { $ref: '#/components/schemas/plan' } } } } },
    },
  };

  it('holds every component reached, directly or through others, and nothing else', () => {
    const roots: Json[] = [{ schema: { $ref: '#/components/schemas/release' } }, { $ref: '#/components/responses/not_found' }];
    expect(componentClosure(document, roots)).toEqual({
      responses: { not_found: { content: { 'application/json': { schema: { $ref: '#/components/schemas/plan' } } } } },
      schemas: {
        plan: { type: 'string' },
        release: { type: 'object', properties: { author: { $ref: '#/components/schemas/simple-user' } } },
        'simple-user': { type: 'object', properties: { plan: { $ref: '#/components/schemas/plan' } } },
      },
    });
  });

  it('refuses a reference it cannot keep inside the file, naming it', () => {
    expect(() => componentClosure(document, [{ $ref: 'https://example.com/schema.json' }])).toThrow(
      'https://example.com/schema.json is not a reference to a component',
    );
    expect(() => componentClosure(document, [{ $ref: '#/components/schemas/missing' }])).toThrow(
      '#/components/schemas/missing names no component in the description',
    );
  });
});
