/**
 * Refuses hostile documents before anything runs: too many aliases (counted through fragments), too
 * deep, too many tokens, too costly, too many directives. The counting is graphql-armor's; what is
 * added here is the answer: graphql-armor's own rejection is a bare error that yoga answers with HTTP
 * 200 and no code, so every rejection is turned into OPERATION_LIMIT_EXCEEDED, with the limit named in
 * `extensions.limit`, as a validation error (HTTP 400 for GraphQL-over-HTTP clients).
 */
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit'
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases'
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth'
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives'
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens'
import type { GraphQLError, ValidationContext } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import { gatewayError } from '../seam/errors.js'

export interface OperationLimits {
  /** Aliased fields in one operation, counted through fragments. */
  aliases: number
  /** Nesting of selections. */
  depth: number
  /** Lexical tokens in the document. */
  tokens: number
  /** graphql-armor's cost: objects 2, scalars 1, times 1.5 per level of depth. */
  cost: number
  /** Directives in one operation, counted through fragments. */
  directives: number
}

type Limit = keyof OperationLimits

/** graphql-armor prefixes every message with "Syntax Error: ", which none of them is. */
const limitError = (limit: Limit, rejection: GraphQLError) =>
  gatewayError(rejection.message.replace(/^Syntax Error: /, ''), 'OPERATION_LIMIT_EXCEEDED', { limit })

/** Reports the rejection as a validation error instead of letting graphql-armor throw it. */
const reportAs = (limit: Limit) => ({
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, rejection: GraphQLError) => context?.reportError(limitError(limit, rejection)),
  ],
})

export function useOperationLimits(limits: OperationLimits): Plugin[] {
  return [
    // Tokens are counted while parsing, where there is no validation context to report to: the error is
    // thrown from the parser, and useErrorCodes leaves its code alone.
    maxTokensPlugin({
      n: limits.tokens,
      propagateOnRejection: false,
      onReject: [
        (_, rejection) => {
          throw limitError('tokens', rejection)
        },
      ],
    }),
    maxAliasesPlugin({ n: limits.aliases, ...reportAs('aliases') }),
    maxDepthPlugin({ n: limits.depth, ...reportAs('depth') }),
    costLimitPlugin({ maxCost: limits.cost, ...reportAs('cost') }),
    maxDirectivesPlugin({ n: limits.directives, ...reportAs('directives') }),
  ] as Plugin[]
}
