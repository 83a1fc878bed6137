import { describe, expect, it } from 'vitest'

import { ConfigError, loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('has defaults that need no environment', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      seamEndpoint: 'https://connect.getseam.com',
      upstreamTimeoutMs: 10_000,
      maxConcurrentUpstreamCalls: 8,
      corsOrigins: [],
      serverCredential: undefined,
    })
  })

  it('reads SEAM_MAX_CONCURRENT_CALLS', () => {
    expect(loadConfig({ SEAM_MAX_CONCURRENT_CALLS: '3' }).maxConcurrentUpstreamCalls).toBe(3)
  })

  it('reads CORS_ORIGINS as a list of origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ])
  })

  it('reads the server-held credentials', () => {
    expect(loadConfig({ SEAM_API_KEY: 'seam_key1_abc' }).serverCredential).toEqual({
      kind: 'api_key',
      authorization: 'Bearer seam_key1_abc',
    })
    expect(
      loadConfig({ SEAM_PERSONAL_ACCESS_TOKEN: 'seam_at1_abc', SEAM_WORKSPACE_ID: 'ws-1' }).serverCredential,
    ).toEqual({ kind: 'personal_access_token', authorization: 'Bearer seam_at1_abc', workspaceId: 'ws-1' })
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SEAM_TIMEOUT_MS: '0' }, 'SEAM_TIMEOUT_MS'],
    [{ SEAM_MAX_CONCURRENT_CALLS: '0' }, 'SEAM_MAX_CONCURRENT_CALLS'],
    [{ SEAM_MAX_CONCURRENT_CALLS: 'many' }, 'SEAM_MAX_CONCURRENT_CALLS'],
    [{ SEAM_ENDPOINT: 'connect.getseam.com' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'ftp://connect.getseam.com' }, 'SEAM_ENDPOINT'],
    [{ SEAM_ENDPOINT: 'https://connect.getseam.com/v1' }, 'SEAM_ENDPOINT'],
    [{ SEAM_API_KEY: 'not-a-key' }, 'SEAM_API_KEY'],
    [{ SEAM_API_KEY: 'seam_at1_pat' }, 'SEAM_API_KEY'],
    [{ SEAM_API_KEY: 'seam_key', SEAM_PERSONAL_ACCESS_TOKEN: 'seam_at1' }, 'SEAM_PERSONAL_ACCESS_TOKEN'],
    [{ SEAM_PERSONAL_ACCESS_TOKEN: 'seam_at1_abc' }, 'SEAM_WORKSPACE_ID'],
    [{ SEAM_WORKSPACE_ID: 'ws-1' }, 'SEAM_WORKSPACE_ID'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS'],
  ])('refuses %j with a message naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(variable)
  })

  it('never repeats a credential in its messages', () => {
    expect(() => loadConfig({ SEAM_API_KEY: 'SECRET-looking-value' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('SECRET') }),
    )
  })
})
