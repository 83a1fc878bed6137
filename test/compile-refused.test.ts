/**
 * Should graphql-jit ever refuse to compile an operation that validated, the operation still answers,
 * on graphql-js, for good: no masked 500 from its second run on, no compilation attempt per run, and
 * the operator is told once. No document of this schema makes graphql-jit refuse, so this file has
 * graphql-jit refuse the operations whose name starts with `Refused`, as it would answer a refusal
 * (`{ errors }`) or throw; every other operation compiles as usual. Operations named `Faulty…` meet a
 * fault of the gateway's own while they are prepared to run, which must stay a masked error.
 */
import { GraphQLError } from 'graphql'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { ConfigError, createGateway } from '../src/index.js'
import { type Harness, startHarness, withApiKey } from './support/harness.js'

const compileAttempts = vi.hoisted(() => new Map<string, number>())

vi.mock('graphql-jit', async (importOriginal) => {
  const jit = await importOriginal<typeof import('graphql-jit')>()
  return {
    ...jit,
    compileQuery: ((...args: Parameters<typeof jit.compileQuery>) => {
      const operationName = args[2] ?? ''
      compileAttempts.set(operationName, (compileAttempts.get(operationName) ?? 0) + 1)
      if (operationName.startsWith('RefusedThrowing')) throw new Error('graphql-jit threw for the test')
      if (operationName.startsWith('Refused')) return { errors: [new GraphQLError('graphql-jit refused for the test')] }
      return jit.compileQuery(...args)
    }) as typeof jit.compileQuery,
  }
})

// A fault of the gateway's own while an operation is compiled, which must not pass for graphql-jit's refusal.
vi.mock('../src/prepared/variables.js', async (importOriginal) => {
  const variables = await importOriginal<typeof import('../src/prepared/variables.js')>()
  return {
    ...variables,
    variableCoercion: ((...args: Parameters<typeof variables.variableCoercion>) => {
      if (args[2].name?.value.startsWith('Faulty')) throw new Error('a fault of the gateway for the test')
      return variables.variableCoercion(...args)
    }) as typeof variables.variableCoercion,
  }
})

let harness: Harness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
  compileAttempts.clear()
})

const session = (name: string) => `query ${name} { clientSession(userIdentifierKey: "user_42") { clientSessionId } }`
const warnings = (logs: string[]) => logs.filter((line) => line.startsWith('warn ') && line.includes('graphql-jit'))

describe('an operation graphql-jit refuses to compile', () => {
  for (const name of ['RefusedSession', 'RefusedThrowingSession']) {
    it(`answers on graphql-js from its second run on, and is tried once (${name})`, async () => {
      harness = await startHarness()
      const answers = []
      for (let run = 0; run < 4; run += 1) answers.push(await harness.graphql(session(name), { headers: withApiKey }))

      for (const answer of answers) {
        expect(answer.status).toBe(200)
        expect(answer.body).toEqual({ data: { clientSession: { clientSessionId: expect.any(String) } } })
      }
      expect(compileAttempts.get(name)).toBe(1)
      expect(warnings(harness.logs)).toEqual([
        expect.stringMatching(new RegExp(`^warn graphql-jit could not compile the operation ${name}, .*for the test$`)),
      ])
    })
  }

  it('is told apart from a fault of the gateway, which stays masked, and nothing is told of graphql-jit', async () => {
    harness = await startHarness()
    for (let run = 0; run < 3; run += 1) {
      const answer = await harness.graphql(session('FaultySession'), { headers: withApiKey })
      expect(answer.body.errors?.map((error) => [error.message, error.extensions['code']])).toEqual([
        ['Unexpected error.', 'INTERNAL_SERVER_ERROR'],
      ])
    }

    expect(warnings(harness.logs)).toEqual([])
  })

  it('leaves the other operations compiled', async () => {
    harness = await startHarness()
    for (let run = 0; run < 3; run += 1) {
      expect((await harness.graphql(session('Session'), { headers: withApiKey })).status).toBe(200)
    }

    expect(compileAttempts.get('Session')).toBe(1)
    expect(warnings(harness.logs)).toEqual([])
  })

  it('tells nothing, and throws nothing later, when the gateway then fails to start', async () => {
    const trustedDocuments = new Map([
      ['refused-session', session('RefusedSession')],
      ['broken', 'query Broken { nope }'],
    ])
    expect(() =>
      createGateway({ seamEndpoint: 'http://127.0.0.1:9', upstreamTimeoutMs: 1_000, trustedDocuments }),
    ).toThrow(ConfigError)
    // A warning queued for a logger that was never made would be an uncaught error by now.
    await new Promise((resolve) => setImmediate(resolve))
    expect(compileAttempts.get('RefusedSession')).toBe(1)
  })

  it('does not stop the gateway when it is a trusted document, compiled at start-up', async () => {
    harness = await startHarness({
      gateway: { trustedDocuments: new Map([['refused-session', session('RefusedSession')]]) },
    })
    expect(warnings(harness.logs)).toHaveLength(1)

    for (let run = 0; run < 3; run += 1) {
      const response = await fetch(harness.gatewayUrl, {
        method: 'POST',
        headers: { ...withApiKey, 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ documentId: 'refused-session' }),
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ data: { clientSession: { clientSessionId: expect.any(String) } } })
    }
    expect(compileAttempts.get('RefusedSession')).toBe(1)
  })
})
