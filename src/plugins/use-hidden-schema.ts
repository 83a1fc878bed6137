/**
 * Keeps the schema to those who know it: no introspection (`__schema`, `__type`) and no "Did you
 * mean …" suggestions, which would let a caller guess field names one typo at a time. For production
 * (see `introspection` in ../gateway.ts). `__typename` and every field of the schema, `_service`
 * included, are served as usual.
 *
 * yoga's plugin refuses introspection. The suggestions are stripped here, from validation errors and
 * from the errors about variables raised when execution starts ("Field "x" is not defined by type
 * "Input". Did you mean "y"?"). Both echo the client's text (a variable's key, a string literal), so the
 * stripping scans instead of matching a pattern: graphql-armor's `/Did you mean ".+"\?/g`, and the
 * `/\s*Did you mean [^?]*\?/g` this file had, each backtrack quadratically over such text (90 KB of
 * spaces in a variable's key held the event loop for 25 s). armor's also missed graphql-js's "Did you
 * mean to use an inline fragment on …?".
 */
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection'
import type { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import { relocated } from '../seam/errors.js'

const suggestion = 'Did you mean '

/**
 * The message without any "Did you mean …?" (up to the first "?" after it) and the whitespace before
 * it: what `message.replace(/\s*Did you mean [^?]*\?/g, '')` gives, in one pass.
 */
function withoutSuggestions(message: string): string {
  let kept = ''
  let from = 0
  for (let at = message.indexOf(suggestion); at !== -1; at = message.indexOf(suggestion, from)) {
    const end = message.indexOf('?', at + suggestion.length)
    // No "?" after this one means none after any later one either.
    if (end === -1) break
    kept += message.slice(from, at).trimEnd()
    from = end + 1
  }
  return from === 0 ? message : kept + message.slice(from)
}

function withoutSuggestion(error: GraphQLError): GraphQLError {
  const message = withoutSuggestions(error.message)
  return message === error.message ? error : relocated(error, message, error.extensions)
}

function useNoSuggestions(): Plugin {
  return {
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        // graphql-js validates into GraphQLErrors; the hook's type allows any Error a custom validate might give.
        if (!valid) setResult(result.map((error) => withoutSuggestion(error as GraphQLError)))
      },
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        // Errors about variables come without `data`: execution never started.
        if (Symbol.asyncIterator in result || result.errors === undefined || 'data' in result) return
        setResult({ ...result, errors: result.errors.map(withoutSuggestion) })
      },
    }),
  }
}

export function useHiddenSchema(): Plugin[] {
  return [useDisableIntrospection(), useNoSuggestions()]
}
