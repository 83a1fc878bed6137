/**
 * yoga runs the prepared operations (../prepared/prepared-operations.ts), as the lean lane does: parsing
 * and validation come from the cache (with the limits, the hidden schema and the codes), and execution is
 * the operation's own (graphql-js on its first run, compiled from then on), after the upstream-call budget
 * and the admission (../admission.ts) have let it run.
 *
 * yoga's own parse and validation cache is off (../gateway.ts): this one replaces it.
 */
import type { IncomingMessage } from 'node:http'

import type { DocumentNode } from 'graphql'
import type { Plugin } from 'graphql-yoga'

import type { Admission } from '../admission.js'
import type { GatewayContext } from '../context.js'
import type { PreparedOperations } from '../prepared/prepared-operations.js'

/** yoga's context on node:http: the server's request is there as `req` (absent when embedded otherwise). */
type NodeServerContext = GatewayContext & { request: Request; req?: IncomingMessage }

export function usePreparedOperations(
  operations: PreparedOperations,
  admission: Admission | undefined,
): Plugin<GatewayContext> {
  // Every document yoga validates or executes came from onParse. Were one not to, it must not run unchecked.
  const preparedFor = (document: DocumentNode) => {
    const prepared = operations.preparedFor(document)
    if (prepared === undefined) throw new Error('A document that was not prepared.')
    return prepared
  }
  return {
    onParse: ({ params, setParsedDocument }) => {
      const prepared = operations.prepare(params.source.toString())
      // Thrown from here, as yoga's own cache does, the error ends the request as a parse error would.
      if (prepared.document === undefined) throw prepared.errors[0]
      setParsedDocument(prepared.document)
    },
    onValidate: ({ params, setResult }) => {
      setResult([...preparedFor(params.documentAST).errors])
    },
    onExecute: ({ args, setExecuteFn, setResultAndStopExecution }) => {
      const operation = preparedFor(args.document).operation(args.operationName)
      if (operation === undefined) throw new Error('No operation to execute in a prepared document.')
      const refusal = operation.overBudget(args.variableValues)
      if (refusal !== undefined) {
        setResultAndStopExecution({ errors: [refusal] })
        return
      }
      if (admission === undefined) {
        setExecuteFn((executionArgs) =>
          operation.execute(executionArgs.contextValue as GatewayContext, executionArgs.variableValues),
        )
        return
      }
      setExecuteFn(async (executionArgs) => {
        const context = executionArgs.contextValue as NodeServerContext
        const request = {
          requestKey: context.req ?? context.request,
          headers: context.request.headers,
          remoteAddress: context.req?.socket.remoteAddress,
        }
        const refusal = await admission(operation, request, context)
        return refusal !== undefined ? { errors: [refusal] } : operation.execute(context, executionArgs.variableValues)
      })
    },
  }
}
