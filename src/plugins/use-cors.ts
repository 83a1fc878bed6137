/**
 * CORS for what yoga answers, by the gateway's one policy (../cors.ts), which the lean lane follows too:
 * a preflight (`OPTIONS`) is answered at once with 204, and every answer carries the headers the policy
 * gives the page's origin. In place of yoga's own `cors` option, which is off (../gateway.ts).
 */
import type { Plugin } from 'graphql-yoga'

import type { CorsHeaders } from '../cors.js'

export function useCors(headersFor: CorsHeaders): Plugin {
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method.toUpperCase() !== 'OPTIONS') return
      // Safari needs the length of an empty 204 to be said, or it waits for a body.
      endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'Content-Length': '0' } }))
    },
    onResponse({ request, response }) {
      const headers = headersFor(request.headers.get('origin') ?? undefined)
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
    },
  }
}
