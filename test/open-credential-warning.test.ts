/**
 * The start-up warning of a server-held credential that any caller may use: given once by `npm start`
 * when HOST is not loopback and no AUTH_* verifies callers.
 */
import { describe, expect, it } from 'vitest'

import { loadConfig } from '../src/config.js'
import { openCredentialWarning } from '../src/open-credential-warning.js'

const held = { SEAM_API_KEY: 'seam_key1_SECRETvalue' }
const auth = { AUTH_JWKS_URL: 'https://id.example.com/jwks', AUTH_ISSUER: 'iss', AUTH_AUDIENCE: 'aud' }
const warningFor = (env: Record<string, string>) => openCredentialWarning(loadConfig(env))

describe('openCredentialWarning', () => {
  it.each(['0.0.0.0', '::', '10.0.0.5', 'gateway.internal'])(
    'warns with a server-held credential, no AUTH_* and HOST=%s, never naming the credential',
    (host) => {
      const warning = warningFor({ ...held, HOST: host })
      expect(warning).toContain(`HOST=${host}`)
      expect(warning).toContain('AUTH_JWKS_URL')
      expect(warning).not.toContain('SECRET')
    },
  )

  it.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost'])('stays quiet on the loopback HOST=%s', (host) => {
    expect(warningFor({ ...held, HOST: host })).toBeUndefined()
  })

  it('stays quiet by default (HOST is loopback), without a server-held credential, and with AUTH_*', () => {
    expect(warningFor(held)).toBeUndefined()
    expect(warningFor({ HOST: '0.0.0.0' })).toBeUndefined()
    expect(warningFor({ ...held, ...auth, HOST: '0.0.0.0' })).toBeUndefined()
  })
})
