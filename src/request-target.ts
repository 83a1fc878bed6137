/**
 * Refuses, with 400 and BAD_REQUEST, a request whose `Host` header and target make no URL (`Host: exa
 * mple`, a port over 65535, a target in absolute form). yoga's adapter builds each request's URL from the
 * two and, when that throws, answers 500 with the stack trace as its body; the lean lane reads neither, so
 * it would have served such a request. Checked once, for both lanes, before either sees the request.
 *
 * The verdict on an origin-form target (`/graphql…`, nearly all of them) depends on the host alone, and
 * is kept per host: no URL is parsed per request.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

import { LruCache } from './prepared/lru-cache.js'
import { type RefusalOptions, sendRefusal } from './listener-refusal.js'

/** Whether whatwg-node can make a URL of the request, as it does (`buildFullUrl`): it falls back without a host. */
const isUrl = (host: string, target: string) => URL.canParse(`http://${host}${target}`)

function refuse(request: IncomingMessage, response: ServerResponse, startedAt: number, options: RefusalOptions): void {
  const message = 'The Host header and the request target make no URL.'
  sendRefusal({ request, response, startedAt, errorCode: 'BAD_REQUEST', status: 400, message }, options)
}

export function refuseUnparsableTargets(listener: RequestListener, options: RefusalOptions = {}): RequestListener {
  // Hosts a hostile client makes up are each parsed once, and forgotten first.
  const verdicts = new LruCache<string, boolean>(100)
  return (request: IncomingMessage & { originalUrl?: string }, response) => {
    const startedAt = performance.now()
    const host = request.headers.host
    const target = request.originalUrl ?? request.url ?? '/'
    if (host) {
      let parses: boolean | undefined
      if (target.startsWith('/')) {
        parses = verdicts.get(host)
        if (parses === undefined) {
          parses = isUrl(host, '/')
          verdicts.set(host, parses)
        }
      } else {
        parses = isUrl(host, target)
      }
      if (!parses) return refuse(request, response, startedAt, options)
    }
    return listener(request, response)
  }
}
