/**
 * The request log's line is written out by hand, for speed; it must be the very bytes the line was when
 * it was an object through `JSON.stringify` (the function below, as it was), for every record, including
 * text a client or Seam chose: quotes, backslashes, control characters, lone surrogates, line separators.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import type { GatewayContext } from '../src/context.js'
import { type RequestRecord, requestLogLine } from '../src/plugins/use-request-log.js'
import type { UpstreamCall } from '../src/seam/client.js'

const rounded = (milliseconds: number) => Math.round(milliseconds * 10) / 10

/** The line as the gateway built it before: an object, through JSON.stringify. */
function objectLogLine(record: RequestRecord, method: string, path: string, status: number): string {
  return JSON.stringify({
    time: new Date().toISOString(),
    level: 'info',
    msg: 'request',
    requestId: record.requestId,
    method,
    path,
    status,
    ...(record.operationName !== undefined && { operationName: record.operationName }),
    durationMs: rounded(performance.now() - record.startedAt),
    upstreamCalls: record.contexts.flatMap((context) =>
      context.upstreamCalls.map((call) => ({
        endpoint: call.endpoint,
        status: call.status ?? null,
        durationMs: rounded(call.durationMs),
        attempts: call.attempts,
        ...(call.requestId !== undefined && { requestId: call.requestId }),
        ...(call.errorCode !== undefined && { error: call.errorCode }),
      })),
    ),
    errorCodes: record.errorCodes,
  })
}

/** Text JSON must escape, or that a careless escape would get wrong. */
const hostile = [
  '',
  'plain',
  '"',
  '\\',
  '\\"',
  '", "level":"error',
  '\u0000\u0001\u0008\t\n\u000b\f\r\u001f',
  '\u007f\u0080\u00ff',
  '\u2028\u2029',
  '\ud800',
  '\udfff',
  'a\ud83d',
  '\ude00b',
  '\ud83d\ude00',
  '</script><script>',
  'ünïcödé 日本語',
  '/graphql?query={x}#frag',
  'x'.repeat(10_000),
  '"\\'.repeat(1_000),
]

/** The same sequence every run: a failure can be replayed. */
function pseudoRandom(seed: number) {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

const random = pseudoRandom(12)
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!

/** Characters from every class above, strung together at random. */
function randomText(): string {
  const alphabet = [...hostile.slice(1, 17).join(''), 'a', 'Z', '0', '-', ':', '.', ' ']
  let text = ''
  for (let length = Math.floor(random() * 24); length > 0; length--) text += pick(alphabet)
  return text
}

const text = () => (random() < 0.5 ? pick(hostile) : randomText())
const milliseconds = () => pick([0, 0.04, 0.05, 0.15, 1, 12.345, 99.95, 1e-7, 123_456.789, 1e21, random() * 1000])

function randomCall(): UpstreamCall {
  return {
    endpoint: (random() < 0.8 ? '/client_sessions/get' : text()) as UpstreamCall['endpoint'],
    status: pick([undefined, 200, 400, 503]),
    startedAt: 0,
    durationMs: milliseconds(),
    attempts: pick([1, 2, 3]),
    requestId: random() < 0.3 ? undefined : text(),
    error: undefined,
    errorCode: pick<UpstreamCall['errorCode']>([undefined, 'GATEWAY_TIMEOUT', text() as UpstreamCall['errorCode']]),
  }
}

function randomRecord(now: number): RequestRecord {
  const contexts = Array.from(
    { length: pick([0, 1, 1, 2]) },
    () => ({ upstreamCalls: Array.from({ length: pick([0, 1, 3]) }, randomCall) }) as unknown as GatewayContext,
  )
  return {
    requestId: text(),
    startedAt: now - milliseconds(),
    operationName: random() < 0.3 ? undefined : text(),
    contexts,
    errorCodes: Array.from({ length: pick([0, 0, 1, 3]) }, () => pick(['BAD_USER_INPUT', text()])),
  }
}

describe('the request log line', () => {
  // Both functions read the clock: frozen, they read the same time.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] })
  })
  afterAll(() => {
    vi.useRealTimers()
  })

  it('is byte for byte the line JSON.stringify made of the record as an object, for hostile text too', () => {
    for (let round = 0; round < 5_000; round++) {
      vi.setSystemTime(pick([0, 1_764_480_000_000, 253_402_300_799_999]))
      vi.advanceTimersByTime(Math.floor(random() * 100))
      const record = randomRecord(performance.now())
      const method = random() < 0.8 ? 'POST' : text()
      const path = random() < 0.5 ? '/graphql' : text()
      const status = pick([200, 400, 413, 500, 0])
      const line = requestLogLine(record, method, path, status)
      expect(line).toBe(objectLogLine(record, method, path, status))
      expect(() => JSON.parse(line)).not.toThrow()
    }
  })
})
