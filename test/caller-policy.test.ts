/**
 * The caller policy fails closed: with authentication on, an operation for which no caller was recorded
 * gets nothing, though the authentication step always records one before execution (the end-to-end
 * rows are in test/auth-policy.test.ts).
 */
import { describe, expect, it } from 'vitest'

import {
  mayReadUserIdentifierKey,
  ownGetOrCreateInput,
  ownSessionOrNull,
  requireAdmin,
  requireOwnUserIdentifierKey,
} from '../src/auth/caller-policy.js'
import type { ClientSession } from '../src/seam/client-sessions.js'

const session = { clientSessionId: 'a', userIdentifierKey: 'user_42' } as ClientSession
const codeOf = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code
  }
  return undefined
}

describe('the caller policy', () => {
  it('lets nothing through for no recorded caller while authentication is on', () => {
    const context = { callersVerified: true }
    expect(codeOf(() => requireAdmin(context, 'Listing'))).toBe('FORBIDDEN')
    expect(codeOf(() => requireOwnUserIdentifierKey(context, 'user_42'))).toBe('FORBIDDEN')
    expect(codeOf(() => ownGetOrCreateInput(context, {}))).toBe('FORBIDDEN')
    expect(mayReadUserIdentifierKey(context, 'user_42')).toBe(false)
    expect(ownSessionOrNull(context, session)).toBeNull()
  })

  it('lets everything through without authentication, as before it existed', () => {
    const context = { callersVerified: false }
    expect(codeOf(() => requireAdmin(context, 'Listing'))).toBeUndefined()
    expect(codeOf(() => requireOwnUserIdentifierKey(context, 'user_7'))).toBeUndefined()
    expect(ownGetOrCreateInput(context, { userIdentifierKey: 'user_7' })).toEqual({ userIdentifierKey: 'user_7' })
    expect(mayReadUserIdentifierKey(context, 'user_7')).toBe(true)
    expect(ownSessionOrNull(context, session)).toBe(session)
  })
})
