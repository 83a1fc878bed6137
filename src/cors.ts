/**
 * Which browser pages may read the gateway's answers (CORS), and the headers that tell them so: one
 * policy, for the answers of both lanes (./plugins/use-cors.ts for yoga's, ./lean-lane.ts).
 *
 * yoga's default CORS reflects any Origin and allows credentials; this one allows only what is
 * configured. Given a list, yoga would answer an origin not on it (such as the `null` of a sandboxed
 * page) with `Access-Control-Allow-Origin: null` and credentials: here such a page gets none of them,
 * only `Vary: Origin`. `*` allows any origin, and then never with credentials.
 */

/**
 * The CORS headers of an answer to a page of `origin` (undefined: a request without `Origin`): every
 * answer gets at least `Vary: Origin`, since whether it carries the others depends on that header.
 */
export type CorsHeaders = (origin: string | undefined) => Readonly<Record<string, string>>

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
  // Not a header every page may read: without this, a front end could not quote it in a bug report.
  'Access-Control-Expose-Headers': 'x-request-id',
}

/**
 * A shared cache must not hand one origin's answer, and its permission, to pages of another: it is told
 * that the answer depends on `Origin`, whether it allows the page or not.
 */
const varyOrigin = { Vary: 'Origin' }

/** The policy for `origins` (from CORS_ORIGINS), or undefined when no other origin may read answers. */
export function corsPolicy(origins: readonly string[]): CorsHeaders | undefined {
  if (origins.length === 0) return undefined
  if (origins.includes('*')) {
    return (origin) =>
      origin === undefined ? varyOrigin : { 'Access-Control-Allow-Origin': origin, ...varyOrigin, ...allowed }
  }
  // Built once per listed origin, not per request.
  const byOrigin = new Map(
    origins.map((origin) => [
      origin,
      {
        'Access-Control-Allow-Origin': origin,
        ...varyOrigin,
        ...allowed,
        'Access-Control-Allow-Credentials': 'true',
      },
    ]),
  )
  return (origin) => (origin === undefined ? varyOrigin : (byOrigin.get(origin) ?? varyOrigin))
}
