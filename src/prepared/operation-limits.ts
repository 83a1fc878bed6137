/**
 * Refuses hostile documents before anything runs: too many aliases (counted through fragments), too
 * deep, too many tokens, too costly, too many directives. The counting is graphql-armor's; what is
 * added here is the answer: graphql-armor's own rejection is a bare error without a code, so every
 * rejection is turned into OPERATION_LIMIT_EXCEEDED, with the limit named in `extensions.limit`, as an
 * error of the document (HTTP 400 for GraphQL-over-HTTP clients, see ./document-errors.ts).
 */
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit'
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases'
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth'
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives'
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens'
import type { DocumentNode, GraphQLError, ValidationContext, ValidationRule } from 'graphql'

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

/** The validation rules that hold a document to the limits, in the order their errors are reported. */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  return [
    maxAliasesRule({ n: limits.aliases, ...reportAs('aliases') }),
    maxDepthRule({ n: limits.depth, ...reportAs('depth') }),
    costLimitRule({ maxCost: limits.cost, ...reportAs('cost') }),
    maxDirectivesRule({ n: limits.directives, ...reportAs('directives') }),
  ] as ValidationRule[]
}

/**
 * Parses `source`, counting tokens as it goes: past the limit it stops at once, with the limit's error,
 * before the rest of the document costs anything. (Tokens are counted while parsing, where there is no
 * validation context to report to: the error is thrown.)
 */
export function parseWithTokenLimit(source: string, tokens: number): DocumentNode {
  const parser = new MaxTokensParserWLexer(source, {
    n: tokens,
    propagateOnRejection: false,
    onReject: [
      (_, rejection) => {
        throw limitError('tokens', rejection)
      },
    ],
  })
  return parser.parseDocument()
}
