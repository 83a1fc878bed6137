/**
 * A stand-in identity provider: signing keys made at test time (RS256 and ES256), their public halves
 * published as a JWKS on a loopback port, and tokens signed with them as an app's back end would. It can
 * publish a new key (rotation), fail (503), go down (its port closed) and come back on the same port.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'

export const issuer = 'https://id.example.test/'
export const audience = 'seam-gateway'

export interface SigningKey {
  kid: string
  alg: 'RS256' | 'ES256'
  privateKey: CryptoKey
  publicKey: CryptoKey
}

export async function signingKey(kid: string, alg: SigningKey['alg']): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { kid, alg, privateKey, publicKey }
}

export const publicKeyPem = (key: SigningKey) => exportSPKI(key.publicKey)

/** Claims of a valid token for `sub`, an hour long; `overrides` set to undefined leave a claim out. */
export function claims(sub: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  const all: Record<string, unknown> = { iss: issuer, aud: audience, sub, iat: now, exp: now + 3600, ...overrides }
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined))
}

/** A compact JWS of `payload`, signed with `key` (its kid in the header unless told otherwise). */
export function sign(key: SigningKey, payload: JWTPayload, header: { kid?: string } = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey)
}

export class IdentityProvider {
  /** How often the JWKS was asked for. */
  fetches = 0
  /** What each of those requests asked for, and the Authorization it sent. */
  readonly requests: { target: string; authorization: string | undefined }[] = []
  /** Answer 503 instead of the JWKS. */
  failing = false
  #published: SigningKey[]
  #server: Server | undefined
  #port = 0

  private constructor(readonly keys: { rsa: SigningKey; ec: SigningKey }) {
    this.#published = [keys.rsa, keys.ec]
  }

  static async start(): Promise<IdentityProvider> {
    const provider = new IdentityProvider({
      rsa: await signingKey('rsa-1', 'RS256'),
      ec: await signingKey('ec-1', 'ES256'),
    })
    await provider.up()
    return provider
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${this.#port}/.well-known/jwks.json`
  }

  /** From now on the JWKS lists these keys. */
  publish(keys: SigningKey[]): void {
    this.#published = keys
  }

  /** Listens (again, on the same port once it had one). */
  async up(): Promise<void> {
    const server = createServer((request, response) => {
      this.fetches++
      this.requests.push({ target: request.url ?? '', authorization: request.headers.authorization })
      if (this.failing) {
        response.writeHead(503).end()
        return
      }
      void this.#jwks().then((jwks) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
      })
    })
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve))
    this.#port = (server.address() as AddressInfo).port
    this.#server = server
  }

  /** Closes the port: fetching the JWKS fails with a refused connection. */
  async down(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async #jwks(): Promise<{ keys: JWK[] }> {
    const keys = await Promise.all(
      this.#published.map(async ({ kid, alg, publicKey }) => ({
        ...(await exportJWK(publicKey)),
        kid,
        alg,
        use: 'sig',
      })),
    )
    return { keys }
  }
}
