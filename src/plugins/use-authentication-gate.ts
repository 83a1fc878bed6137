/**
 * yoga's half of the authentication gate (../auth/authentication-gate.ts): each operation's parameters (a
 * batch has several) pass it before the persisted documents are asked and before the document is parsed;
 * its refusal, thrown, answers the operation as a persisted document's refusal does. The lean lane calls the
 * same gate.
 */
import type { IncomingMessage } from 'node:http'

import type { Plugin } from 'graphql-yoga'

import type { AuthenticationGate } from '../auth/authentication-gate.js'
import { documentIdOf } from './use-persisted-documents.js'

export function useAuthenticationGate(gate: AuthenticationGate): Plugin {
  return {
    onParams: async ({ params, request, context }) => {
      // node's request, as the lean lane keys it, when yoga serves node:http (the lane may have asked already).
      const requestKey = (context as { req?: IncomingMessage }).req ?? request
      const documentId = documentIdOf(params, request)
      const refusal = await gate(requestKey, request.headers.get('authorization'), { ...params, documentId })
      if (refusal !== undefined) throw refusal
    },
  }
}
