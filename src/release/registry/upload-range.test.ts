import { describe, expect, it } from 'vitest';
import { storedLength } from './upload-range.ts';

describe('storedLength', () => {
  it('reads the inclusive end of the stored range, with or without the bytes= prefix', () => {
    expect(storedLength('0-1048575')).toBe(1048576);
    expect(storedLength('bytes=0-99')).toBe(100);
    expect(storedLength(['0-9'])).toBe(10);
  });

  it('reads an empty upload, a missing header and garbage as nothing stored', () => {
    expect(storedLength('0-0')).toBe(0);
    expect(storedLength(undefined)).toBe(0);
    expect(storedLength('5-9')).toBe(0);
  });
});
