/**
 * Which browser pages may read the gateway's answers (CORS), and the headers that tell them so: one
 * policy, for the answers of both lanes (./plugins/use-cors.ts for yoga's, ./lean-lane.ts).
 *
 * yoga's default CORS reflects any Origin and allows credentials; this one allows only what is
 * configured. Given a list, yoga would answer an origin not on it (such as the `null` of a sandboxed
 * page) with `Access-Control-Allow-Origin: null` and credentials: here such a page gets no CORS headers
 * at all. `*` allows any origin, and then never with credentials.
 */

/** The CORS headers of an answer to a page of `origin`, or undefined for none. */
export type CorsHeaders = (origin: string | undefined) => Readonly<Record<string, string>> | undefined

const allowed = {
  'Access-Control-Allow-Methods': 'GET, POST',
  'Access-Control-Allow-Headers': [
    'authorization',
    'seam-workspace',
    'seam-publishable-key',
    'content-type',
    'accept',
    'x-graphql-yoga-csrf',
  ].join(', '),
}

/** The policy for `origins` (from CORS_ORIGINS), or undefined when no other origin may read answers. */
export function corsPolicy(origins: readonly string[]): CorsHeaders | undefined {
  if (origins.length === 0) return undefined
  if (origins.includes('*')) {
    return (origin) =>
      origin === undefined ? undefined : { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', ...allowed }
  }
  // Built once per listed origin, not per request.
  const byOrigin = new Map(
    origins.map((origin) => [
      origin,
      { 'Access-Control-Allow-Origin': origin, ...allowed, 'Access-Control-Allow-Credentials': 'true' },
    ]),
  )
  return (origin) => (origin === undefined ? undefined : byOrigin.get(origin))
}
