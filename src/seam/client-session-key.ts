/**
 * Which identifier names the session a reference points at, decided here and nowhere else: the
 * `clientSession` query, federation's `_entities`, the read-back after a grant and the request's session
 * loader all ask these functions, and so does the upstream-call budget's prediction. Two references that
 * the loader reads with one call are then counted as one call too.
 *
 * A reference may give both: Seam's ID wins, as the one identifier Seam gives every session. A reference
 * is whatever the client sent (arguments, an input, a federation representation): only a string counts.
 */

/** Names one client session: by Seam's ID or by your own user identifier key. */
export type ClientSessionIdentifier = { clientSessionId: string } | { userIdentifierKey: string }

/** The identifier `reference` names its session by, or undefined when it names none. */
export function clientSessionIdentifierOf(reference: unknown): ClientSessionIdentifier | undefined {
  if (typeof reference !== 'object' || reference === null) return undefined
  const { clientSessionId, userIdentifierKey } = reference as Record<string, unknown>
  if (typeof clientSessionId === 'string') return { clientSessionId }
  if (typeof userIdentifierKey === 'string') return { userIdentifierKey }
  return undefined
}

/**
 * A string that two references share exactly when they name their session by the same identifier: the
 * loader's cache key, and what the budget counts distinct. Undefined when `reference` names no session.
 */
export function clientSessionKeyOf(reference: unknown): string | undefined {
  const identifier = clientSessionIdentifierOf(reference)
  if (identifier === undefined) return undefined
  // An ID and a user identifier key may be spelled alike; they name different sessions.
  return 'clientSessionId' in identifier ? `id:${identifier.clientSessionId}` : `key:${identifier.userIdentifierKey}`
}
