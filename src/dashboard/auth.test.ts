import { describe, expect, it } from 'vitest';
import { accessFor, authorized, isLoopback } from './auth.ts';

const token = 'f'.repeat(64);

describe('isLoopback', () => {
  it('knows 127.0.0.0/8, ::1 and localhost from addresses other machines reach', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });
});

describe('accessFor', () => {
  it('needs no token on loopback, and always asks for one that is given', () => {
    expect(accessFor('127.0.0.1', undefined)).toEqual({});
    expect(accessFor('127.0.0.1', '')).toEqual({});
    expect(accessFor('127.0.0.1', token)).toEqual({ token });
    expect(accessFor('0.0.0.0', token)).toEqual({ token });
  });

  it('refuses an address other machines reach without a token, a short token, and a name that is not an address', () => {
    expect(() => accessFor('0.0.0.0', undefined)).toThrow(
      'slipway serve will not open the dashboard API on 0.0.0.0 without SLIPWAY_DASHBOARD_TOKEN',
    );
    expect(() => accessFor('10.1.2.3', 'short')).toThrow('SLIPWAY_DASHBOARD_TOKEN is 5 characters long; the dashboard needs at least 32');
    expect(() => accessFor('dashboard.example.com', token)).toThrow('--dashboard-host is "dashboard.example.com", not an IP address');
  });
});

describe('authorized', () => {
  it('takes exactly the bearer token', () => {
    expect(authorized(`Bearer ${token}`, token)).toBe(true);
    expect(authorized(`bearer ${token}`, token)).toBe(true);
    expect(authorized(`Bearer ${token}x`, token)).toBe(false);
    expect(authorized(`Basic ${token}`, token)).toBe(false);
    expect(authorized(undefined, token)).toBe(false);
    expect(authorized('Bearer ', token)).toBe(false);
  });
});
