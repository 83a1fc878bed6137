/**
 * The address of the client a request comes from: the TCP peer, or, behind proxies the operator trusts
 * (TRUST_PROXY_HOPS), the address the outermost of them saw, read from `X-Forwarded-For`.
 *
 * Each proxy appends the address of its own peer to the header, so with `n` trusted proxies the client
 * is the `n`-th entry from the right; whatever stands further left the client wrote itself and may be
 * anything. The header is the client's text: it is scanned once from the right, never matched with a
 * pattern, and only the `n` entries the proxies appended are read.
 */
import { isIP } from 'node:net'

/** Longer than any IPv6 address with a zone; a longer entry is no address. */
const longestAddress = 64

/**
 * The `trustedHops`-th address from the right of `forwardedFor`, or `peer` when no proxy is trusted, or
 * when the header is absent, has fewer entries or one of those entries is not an IP address: a proxy that
 * was meant to append one did not, so the header says nothing reliable.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | null,
  trustedHops: number,
): string | undefined {
  if (trustedHops === 0 || forwardedFor === null) return peer
  let end = forwardedFor.length
  for (let hop = 1; hop <= trustedHops; hop++) {
    if (end < 0) return peer
    const start = forwardedFor.lastIndexOf(',', end - 1) + 1
    const entry = end - start > longestAddress ? '' : forwardedFor.slice(start, end).trim()
    if (isIP(entry) === 0) return peer
    if (hop === trustedHops) return entry
    // Past the comma; -1 once the header's first entry has been read.
    end = start - 1
  }
  return peer
}
