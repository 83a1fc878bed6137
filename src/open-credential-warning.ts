/**
 * The one warning start-up gives when a server-held credential serves anyone who reaches the gateway:
 * without AUTH_*, every caller acts with the whole workspace's power (README, "Front ends with a
 * server-held key"). On a loopback HOST only this machine can call, which is how a local proxy in front
 * of it would run, so there it stays quiet.
 */
import { type Config, isLoopback } from './config.js'

export function openCredentialWarning({
  serverCredential,
  authentication,
  host,
}: Pick<Config, 'serverCredential' | 'authentication' | 'host'>): string | undefined {
  if (serverCredential === undefined || authentication !== undefined) return undefined
  // The URL parser's form of the host, which isLoopback reads: IPv6 in brackets.
  if (isLoopback(host.includes(':') ? `[${host}]` : host)) return undefined
  return (
    `Warning: HOST=${host} serves the server-held Seam credential to every caller, unverified: anyone who ` +
    'reaches the gateway may list, create and delete the workspace’s client sessions. Set AUTH_JWKS_URL or ' +
    'AUTH_JWT_PUBLIC_KEY to verify callers, or put your own authentication in front.'
  )
}
