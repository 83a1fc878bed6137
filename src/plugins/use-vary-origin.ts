/**
 * `Vary: Origin` on every answer while CORS is on. Its CORS headers then depend on the request's
 * `Origin`: there for an allowed origin, absent for any other and for a request without one. A shared
 * cache that did not know would hand one origin's answer, and its permission, to pages of another.
 * yoga's CORS names it only when it echoes an origin for `*` or from a list; for listed origins,
 * ../gateway.ts hands it one origin or none, decided per request, so it never does.
 */
import type { Plugin } from 'graphql-yoga'

export function useVaryOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary')
      // yoga's CORS sets it itself for `*`; named once is enough.
      if (vary === null || !vary.split(',').some((name) => name.trim().toLowerCase() === 'origin')) {
        response.headers.append('vary', 'Origin')
      }
    },
  }
}
