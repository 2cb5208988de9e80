import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { describeSchemaErrors, fromOpenApi30 } from './json-schema.ts';

describe('fromOpenApi30', () => {
  it('turns nullable into a null type, and a null value where there is an enum', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', nullable: true },
        state: { type: 'string', enum: ['open', 'closed'], nullable: true, default: 'open' },
        tag: { type: 'string', nullable: false },
      },
    };
    expect(fromOpenApi30(schema)).toEqual({
      type: 'object',
      properties: {
        name: { type: ['string', 'null'] },
        state: { type: ['string', 'null'], enum: ['open', 'closed', null], default: 'open' },
        tag: { type: 'string' },
      },
    });
  });

  it('leaves data alone: an enum value or default named "nullable" is not a keyword', () => {
    const schema = { type: 'object', default: { nullable: true }, enum: [{ nullable: true }] };
    expect(fromOpenApi30(schema)).toEqual(schema);
  });

  it('refuses nullable without a single type, naming where, rather than guess', () => {
    const schema = { properties: { milestone: { allOf: [{ $ref: '#/components/schemas/milestone' }], nullable: true } } };
    expect(() => fromOpenApi30(schema)).toThrow(
      "#/properties/milestone: nullable without a single type is not handled by the contract's reader",
    );
  });
});

describe('describeSchemaErrors', () => {
  it('names the unexpected property, the allowed values and the constant ajv expected', () => {
    const ajv = new Ajv2020({ allErrors: true });
    const validate = ajv.compile({
      type: 'object',
      properties: { kind: { const: 'release' }, level: { enum: ['notice', 'warning'] } },
      additionalProperties: false,
    });
    expect(validate({ kind: 'push', level: 'fatal', extra: 1 })).toBe(false);
    expect(describeSchemaErrors(validate.errors)).toEqual([
      '(root) must NOT have additional properties ("extra")',
      '/kind must be equal to constant ("release")',
      '/level must be equal to one of the allowed values ("notice", "warning")',
    ]);
  });
});
