/**
 * The keys that callers' tokens are verified with, as a jose key resolver: a remote JWKS (cached by jose,
 * fetched again on an unknown `kid` at most every 30 s), or one PEM public key.
 *
 * While the JWKS endpoint fails, it is not asked again on every request: after each failure the gateway
 * waits (1 s, doubling up to 30 s) before the next fetch, and meanwhile verifies with the keys it last
 * had, if any, even past jose's 10 minutes of freshness: an identity provider's outage then refuses only
 * the tokens signed with keys the gateway never saw.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  importSPKI,
  type JWTHeaderParameters,
  type FlattenedJWSInput,
  type CryptoKey,
  errors,
} from 'jose'

import { printableUrl } from '../printable-url.js'
import type { CallerKeySource } from './authentication-options.js'

export type CallerKeyResolver = (header: JWTHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>

/** The JWKS endpoint failed; the refusal says the token could not be verified, not why. */
export class CallerKeysUnavailableError extends Error {
  override readonly name = 'CallerKeysUnavailableError'
}

const firstBackoffMs = 1_000
const longestBackoffMs = 30_000

/** A failure of the endpoint, as opposed to a key set that answered but has no key for this token. */
function isEndpointFailure(error: unknown): boolean {
  return !(
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed
  )
}

/**
 * The URL's userinfo as `Authorization: Basic`, as curl sends it: fetch refuses a URL that holds one, which
 * would fail every fetch of a JWKS behind a proxy that asks for it.
 */
function withoutUserinfo(url: URL): { url: URL; headers: Record<string, string> } {
  if (url.username === '' && url.password === '') return { url, headers: {} }
  // The URL parser keeps a `%` that begins no escape: such a part is taken as it is written.
  const decoded = (part: string) => {
    try {
      return decodeURIComponent(part)
    } catch {
      return part
    }
  }
  const userinfo = `${decoded(url.username)}:${decoded(url.password)}`
  const bare = new URL(url)
  bare.username = ''
  bare.password = ''
  return { url: bare, headers: { authorization: `Basic ${Buffer.from(userinfo).toString('base64')}` } }
}

function remoteKeys(jwksUrl: string, onUnavailable: (message: string) => void): CallerKeyResolver {
  // Given in code, it was not checked as AUTH_JWKS_URL is; `new URL`'s own error would carry it whole.
  if (!URL.canParse(jwksUrl)) {
    throw new Error('authentication.keys.jwksUrl is not a URL (not shown: it may hold a secret)')
  }
  const url = new URL(jwksUrl)
  const { url: fetched, headers } = withoutUserinfo(url)
  const remote = createRemoteJWKSet(fetched, { headers })
  // Without its userinfo and query, where some identity providers take a secret.
  const printedUrl = printableUrl(url)
  let failures = 0
  let retryAt = 0
  return async (header, token) => {
    if (Date.now() >= retryAt) {
      try {
        const key = await remote(header, token)
        failures = 0
        return key
      } catch (error) {
        if (!isEndpointFailure(error)) throw error
        // Every request that waited on the one fetch jose made fails with it: the first counts it and tells
        // it; the others find the backoff begun. Counted per request, a burst of traffic would jump to the
        // longest backoff at once and write one line per request.
        if (Date.now() >= retryAt) {
          failures++
          const backoffMs = Math.min(firstBackoffMs * 2 ** (failures - 1), longestBackoffMs)
          retryAt = Date.now() + backoffMs
          // The error's name says what failed, never a token.
          onUnavailable(
            `The JWKS at ${printedUrl} could not be fetched (${error instanceof Error ? error.name : 'error'}); ` +
              `tokens are verified with the keys it last published, if any, until it answers (next try in ${backoffMs / 1000} s).`,
          )
        }
      }
    }
    // The endpoint is failing: the keys it last published still verify the tokens they signed.
    const lastKnown = remote.jwks()
    if (lastKnown === undefined) throw new CallerKeysUnavailableError('The JWKS endpoint is failing.')
    return createLocalJWKSet(lastKnown)(header, token)
  }
}

/** importSPKI wants the algorithm: the key is imported once for each one a token names. */
function publicKey(pem: string): CallerKeyResolver {
  const byAlgorithm = new Map<string, Promise<CryptoKey>>()
  return (header) => {
    let key = byAlgorithm.get(header.alg)
    if (key === undefined) {
      key = importSPKI(pem, header.alg)
      byAlgorithm.set(header.alg, key)
    }
    return key
  }
}

export function callerKeys(source: CallerKeySource, onUnavailable: (message: string) => void): CallerKeyResolver {
  return 'jwksUrl' in source ? remoteKeys(source.jwksUrl, onUnavailable) : publicKey(source.publicKeyPem)
}
