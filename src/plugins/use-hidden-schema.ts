/**
 * Keeps the schema to those who know it: no introspection (`__schema`, `__type`) and no "Did you
 * mean …" suggestions, which would let a caller guess field names one typo at a time. For production
 * (see `introspection` in ../gateway.ts). `__typename` and every field of the schema, `_service`
 * included, are served as usual.
 *
 * yoga's plugin refuses introspection, graphql-armor's strips suggestions from validation errors; the
 * one thing neither covers is the suggestion graphql-js puts in an error about variables ("Field "x"
 * is not defined by type "Input". Did you mean "y"?"), raised when execution starts: that is done here.
 */
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions'
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection'
import type { GraphQLError } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import { relocated } from '../seam/errors.js'

const suggestion = /\s*Did you mean [^?]*\?/g

function withoutSuggestion(error: GraphQLError): GraphQLError {
  const message = error.message.replace(suggestion, '')
  return message === error.message ? error : relocated(error, message, error.extensions)
}

function useNoSuggestionsInVariableErrors(): Plugin {
  return {
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
  return [
    useDisableIntrospection(),
    blockFieldSuggestionsPlugin({ mask: '' }) as Plugin,
    useNoSuggestionsInVariableErrors(),
  ]
}
