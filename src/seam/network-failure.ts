/**
 * Whether an error from undici means that the connection to Seam failed (Seam is unreachable, the
 * connection broke, the answer could not be read), as opposed to a fault of the gateway itself (a
 * TypeError, a header value or path undici refuses, …).
 *
 * Only the first is UPSTREAM_UNAVAILABLE and worth sending a read again for. The second would fail the
 * same way every time: it is not retried, and yoga masks it as INTERNAL_SERVER_ERROR and logs it with
 * its stack, which is what its fixer needs.
 *
 * Told apart by the error's `code`: undici names its own errors `UND_ERR_*`, and only some of them are
 * about the connection; Node names misuse of its APIs `ERR_*` (except TLS's); the codes of the system
 * (ECONNREFUSED, ECONNRESET, ENOTFOUND, ETIMEDOUT…), of certificate checks (CERT_HAS_EXPIRED…) and of
 * undici's HTTP parser (HPE_*, an answer that is not HTTP) all name the connection. An error without a
 * code is never a network failure.
 */

/** undici's errors that are about the connection, not about the request the gateway made. */
const undiciConnectionCodes: ReadonlySet<string> = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_INFO',
  // The pool was closed or destroyed under the call: the gateway is shutting down.
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
])

const nodeConnectionPrefixes = ['ERR_TLS_', 'ERR_SSL_', 'ERR_SOCKET_'] as const

export function isNetworkFailure(error: unknown): boolean {
  const code: unknown = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  if (typeof code !== 'string' || code === '') return false
  if (code.startsWith('UND_ERR')) return undiciConnectionCodes.has(code)
  if (code.startsWith('ERR_')) return nodeConnectionPrefixes.some((prefix) => code.startsWith(prefix))
  return true
}
