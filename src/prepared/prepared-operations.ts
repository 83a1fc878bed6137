/**
 * Everything a document needs before it runs, worked out once per document and kept in a bounded cache
 * keyed by its text: whether it parses (within the token limit), whether it validates (against the
 * schema, every operation limit and, when the schema is hidden, without introspection or suggestions),
 * each operation's type and name, how many upstream calls it may make (when that does not depend on the
 * variables) and its compiled execution.
 *
 * Both ways into the gateway run what is prepared here, yoga (../plugins/use-prepared-operations.ts)
 * and the lean lane (../lean-lane.ts): what a document may do is decided in this one place.
 */
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  OperationTypeNode,
  specifiedRules,
  validate,
  type ValidationRule,
} from 'graphql'

import type { GatewayContext } from '../context.js'
import { isGraphQLError } from '../seam/errors.js'
import type { SeamEndpoint } from '../seam/openapi.js'
import { CompilationRefusedError, compileExecution, type Execute } from './compiled-execution.js'
import { documentError } from './document-errors.js'
import { interpretedExecution } from './interpreted-execution.js'
import { operationEndpoints } from './operation-endpoints.js'
import { type OperationLimits, operationLimitRules, parseWithTokenLimit } from './operation-limits.js'
import { RepeatWatch } from './repeat-watch.js'
import { rulesAsOne } from './rules-as-one.js'
import { SegmentedLruCache } from './segmented-lru-cache.js'
import {
  dependsOnVariables,
  entitiesCalls,
  entitiesRepresentationVariables,
  overBudgetError,
  predictedCalls,
  uncountedError,
} from './upstream-call-prediction.js'
import { type VariableCoercion, variableCoercion, type Variables } from './variables.js'

export interface PreparedOperationsOptions {
  schema: GraphQLSchema
  limits: OperationLimits
  /** false: refuse introspection and suggest no names in errors (production). */
  introspection: boolean
  /** Most upstream calls one operation may make. */
  upstreamCallBudget: number
  /** How many documents are kept prepared. */
  cacheSize: number
  /**
   * How many runs of an operation graphql-js executes before it is compiled by graphql-jit (1: on its
   * second run, ./interpreted-execution.ts says why; 0: on its first). Trusted documents are compiled when
   * they are pinned, whatever this says.
   */
  interpretedRuns: number
  /**
   * Told, once per operation, that graphql-jit refused to compile it: it then runs on graphql-js for good.
   * Default: nothing is told.
   */
  warn?: (message: string) => void
}

/** One operation of a document that may run. */
export interface PreparedOperation {
  readonly type: OperationTypeNode
  readonly name: string | undefined
  /**
   * Whether it asks for nothing but the subgraph's SDL (`{ _service { sdl } }`): what routers and `rover`
   * fetch to compose, which needs no caller token and no trusted document.
   */
  readonly readsServiceSdlOnly: boolean
  /** The Seam endpoints it may call (./operation-endpoints.ts). */
  readonly seamEndpoints: readonly SeamEndpoint[]
  /**
   * The refusal of an operation that could make more upstream calls than its budget, or whose calls
   * cannot be counted; undefined when it may run.
   */
  overBudget(variables: Variables): GraphQLError | undefined
  /** Its result, once the upstream calls it made have ended and been recorded. */
  execute(context: GatewayContext, variables: Variables): ExecutionResult | Promise<ExecutionResult>
  /**
   * Whether it runs compiled by graphql-jit from now on (false while graphql-js still runs it, and for good
   * when graphql-jit refused to compile it).
   */
  readonly compiled: boolean
}

export interface PreparedDocument {
  /** Undefined when the text does not parse. */
  readonly document: DocumentNode | undefined
  /** Why it may not run (its parse error, or its validation errors, codes included); empty when it may. */
  readonly errors: readonly GraphQLError[]
  /** The operation `operationName` names, as graphql-js's `getOperationAST` finds it; undefined for none. */
  operation(operationName: unknown): PreparedOperation | undefined
}

/**
 * Whether `prepared` may run and the operation `operationName` names asks for nothing but the subgraph's
 * SDL: what routers and `rover` fetch to compose, which needs neither a caller's token nor a trusted document.
 */
export const isServiceSdlRead = (prepared: PreparedDocument, operationName: unknown): boolean =>
  prepared.errors.length === 0 && prepared.operation(operationName)?.readsServiceSdlOnly === true

/** No operation in a document that does not parse. */
const noOperation = () => undefined

export class PreparedOperations {
  readonly #options: PreparedOperationsOptions
  readonly #rules: readonly ValidationRule[]
  readonly #cache: SegmentedLruCache<string, PreparedDocument>
  /** Documents prepared for good (trusted documents), which the LRU must not forget. */
  readonly #pinned = new Map<string, PreparedDocument>()
  /** The prepared document of each parsed one in the cache, for yoga, which hands on documents, not texts. */
  readonly #byDocument = new WeakMap<DocumentNode, PreparedDocument>()
  /** Whether clients repeat each document in the cache, which then keeps it protected. */
  readonly #repeats = new WeakMap<PreparedDocument, RepeatWatch>()

  constructor(options: PreparedOperationsOptions) {
    this.#options = options
    // In the order graphql-js, the limits and the hidden schema have always reported their errors in.
    this.#rules = [
      rulesAsOne([
        ...specifiedRules,
        ...operationLimitRules(options.limits),
        ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
      ]),
    ]
    // A document handed back to probation is protected again once its operations run for two requests again.
    this.#cache = new SegmentedLruCache(options.cacheSize, (_query, prepared) => this.#repeats.get(prepared)?.restart())
  }

  /** The document `query` is, prepared, from the cache when it is there. */
  prepare(query: string): PreparedDocument {
    let prepared = this.#pinned.get(query) ?? this.#cache.get(query)
    if (prepared === undefined) {
      prepared = this.#prepare(query)
      this.#cache.set(query, prepared)
      if (prepared.document !== undefined) this.#byDocument.set(prepared.document, prepared)
    }
    return prepared
  }

  /**
   * The document `query` is, prepared now to the end (each operation compiled) and kept for as long as
   * the gateway lives, outside the LRU: trusted documents cost nothing on first use and are never evicted.
   */
  pin(query: string): PreparedDocument {
    const prepared = this.#prepare(query, true)
    this.#pinned.set(query, prepared)
    if (prepared.document !== undefined) this.#byDocument.set(prepared.document, prepared)
    return prepared
  }

  /**
   * Whether `query` may run and the operation `operationName` names asks for nothing but the subgraph's
   * SDL, for a caller who may run nothing else (../auth/authentication-gate.ts): a text whose operation asks
   * for more is told by its parse alone, neither validated nor kept, so that a stranger's text costs no
   * validation and evicts nobody's prepared document.
   */
  isServiceSdlRead(query: string, operationName: unknown): boolean {
    const known = this.#pinned.get(query) ?? this.#cache.get(query)
    if (known === undefined) {
      let document: DocumentNode
      try {
        document = parseWithTokenLimit(query, this.#options.limits.tokens)
      } catch (error) {
        if (!isGraphQLError(error)) throw error
        return false
      }
      const definition = operationDefinition(operationDefinitions(document), operationName)
      if (definition === undefined || !readsServiceSdlOnly(definition)) return false
    }
    return isServiceSdlRead(known ?? this.prepare(query), operationName)
  }

  /** The prepared document `document` came from (a DocumentNode that `prepare` returned). */
  preparedFor(document: DocumentNode): PreparedDocument | undefined {
    return this.#byDocument.get(document)
  }

  #prepare(query: string, eager = false): PreparedDocument {
    const { schema, introspection } = this.#options
    let document: DocumentNode
    try {
      document = parseWithTokenLimit(query, this.#options.limits.tokens)
    } catch (error) {
      // Anything else thrown while parsing is a fault of the gateway, and stays unexpected.
      if (!isGraphQLError(error)) throw error
      return { document: undefined, errors: [documentError(error, 'GRAPHQL_PARSE_FAILED')], operation: noOperation }
    }
    const errors = validate(schema, document, this.#rules, { hideSuggestions: !introspection }).map((error) =>
      documentError(error, 'GRAPHQL_VALIDATION_FAILED'),
    )
    // A document clients repeat is kept protected by the cache. A pinned one is outside the cache.
    const repeats = eager ? undefined : new RepeatWatch(() => this.#cache.protect(query))
    const operations = operationsOf(document, (definition) => this.#operation(document, definition, eager, repeats))
    if (eager && errors.length === 0) {
      for (const definition of document.definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION) operations(definition.name?.value)
      }
    }
    const prepared: PreparedDocument = { document, errors, operation: operations }
    if (repeats !== undefined) this.#repeats.set(prepared, repeats)
    return prepared
  }

  #operation(
    document: DocumentNode,
    definition: OperationDefinitionNode,
    eager: boolean,
    repeats: RepeatWatch | undefined,
  ): PreparedOperation {
    const { schema, upstreamCallBudget, introspection, interpretedRuns } = this.#options
    const name = definition.name?.value
    const variablePrediction = dependsOnVariables(document)
    const entitiesVariables = variablePrediction ? entitiesRepresentationVariables(document, definition) : undefined
    /** With `entitiesVariables`: the calls of everything but `_entities`, counted on the first request. */
    let besidesEntities: number | undefined
    const entitiesKeys = (variables: Variables | null | undefined) =>
      entitiesVariables!.reduce((sum, variable) => sum + entitiesCalls(variables?.[variable]), 0)
    let staticPrediction: number | undefined
    const hideSuggestions = !introspection
    let coercion: VariableCoercion | undefined
    /** Built once, for whichever needs it first: the budget's check, graphql-js or graphql-jit. */
    const coerce = () => (coercion ??= variableCoercion(schema, document, definition, { hideSuggestions }))
    let interpreted: Execute | undefined
    const interpretedNow = () =>
      (interpreted ??= interpretedExecution(schema, document, definition, { hideSuggestions, coerce: coerce() }))
    let compiled = false
    /**
     * The compiled operation, or graphql-js's for good when graphql-jit refuses it: the gateway's own
     * execution of a document that validated, which graphql-jit has no business refusing. Tried once, so
     * that a refused operation costs no compilation attempt per run, and answered rather than masked.
     */
    const compiledOrInterpreted = (): Execute => {
      try {
        const execution = compileExecution(schema, document, definition, { hideSuggestions, coerce: coerce() })
        compiled = true
        return execution
      } catch (error) {
        // Anything else is a fault of the gateway's own, thrown as it is.
        if (!(error instanceof CompilationRefusedError)) throw error
        const reason = error.message
        this.#options.warn?.(
          `graphql-jit could not compile the operation ${name ?? '(anonymous)'}, which graphql-js runs instead: ${reason}`,
        )
        return interpretedNow()
      }
    }
    let execute: Execute | undefined = eager ? compiledOrInterpreted() : undefined
    let runs = 0
    /** What runs the operation this time: graphql-js for its first runs, then the compiled operation, for good. */
    const executeNow = (): Execute => {
      if (execute !== undefined) return execute
      runs += 1
      if (runs <= interpretedRuns) return interpretedNow()
      execute = compiledOrInterpreted()
      if (compiled) interpreted = undefined
      return execute
    }
    let endpoints: readonly SeamEndpoint[] | undefined
    return {
      type: definition.operation,
      name,
      readsServiceSdlOnly: readsServiceSdlOnly(definition),
      // Only a rate limit reads them: worked out then, once.
      get seamEndpoints() {
        return (endpoints ??= operationEndpoints(schema, document, definition))
      },
      overBudget: (variables) => {
        if (!variablePrediction && staticPrediction !== undefined && staticPrediction <= upstreamCallBudget) return
        // Over the budget, the full prediction below decides, as it would for any document: variables
        // that do not fit are then refused by execution, with their own code.
        if (besidesEntities !== undefined && besidesEntities + entitiesKeys(variables) <= upstreamCallBudget) return
        const predicted = predictedCalls(schema, document, name, variables)
        if (predicted === undefined) {
          // Variables that do not fit: execution refuses them with BAD_USER_INPUT, as it does for any
          // operation. Otherwise, what cannot be counted does not run.
          return 'errors' in coerce()(variables) ? undefined : uncountedError()
        }
        if (!variablePrediction) staticPrediction = predicted
        else if (entitiesVariables !== undefined && besidesEntities === undefined) {
          const rest = predicted - entitiesKeys(variables)
          if (rest >= 0) besidesEntities = rest
        }
        return predicted > upstreamCallBudget ? overBudgetError(predicted, upstreamCallBudget) : undefined
      },
      execute: (context, variables) => {
        repeats?.ran(context.requestKey)
        return executeNow()(context, variables)
      },
      get compiled() {
        return compiled
      },
    }
  }
}

/**
 * A query whose every root selection is `_service` or `__typename`, as fields (no fragments): the `_service`
 * type has no field but `sdl`.
 */
function readsServiceSdlOnly(definition: OperationDefinitionNode): boolean {
  return (
    definition.operation === OperationTypeNode.QUERY &&
    definition.selectionSet.selections.every(
      (selection) =>
        selection.kind === Kind.FIELD && (selection.name.value === '_service' || selection.name.value === '__typename'),
    )
  )
}

/**
 * Finds an operation as `getOperationAST` does: by its name, or the only one when no name is given. Each
 * is prepared (`prepareOperation`) the first time it is asked for.
 */
function operationsOf(
  document: DocumentNode,
  prepareOperation: (definition: OperationDefinitionNode) => PreparedOperation,
): (operationName: unknown) => PreparedOperation | undefined {
  const definitions = operationDefinitions(document)
  const prepared = new Map<OperationDefinitionNode, PreparedOperation>()
  const preparedOf = (definition: OperationDefinitionNode | undefined) => {
    if (definition === undefined) return undefined
    let operation = prepared.get(definition)
    if (operation === undefined) {
      operation = prepareOperation(definition)
      prepared.set(definition, operation)
    }
    return operation
  }
  return (operationName) => preparedOf(operationDefinition(definitions, operationName))
}

const operationDefinitions = (document: DocumentNode) =>
  document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  )

/** The operation `operationName` names, or the only one when it names none, as `getOperationAST` finds it. */
const operationDefinition = (definitions: readonly OperationDefinitionNode[], operationName: unknown) =>
  operationName == null
    ? definitions.length === 1
      ? definitions[0]
      : undefined
    : definitions.find((definition) => definition.name?.value === operationName)
