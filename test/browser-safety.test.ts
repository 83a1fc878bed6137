import { afterEach, describe, expect, it } from 'vitest'

import { codesOf, type Harness, startHarness, withApiKey } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

const preflight = (origin: string) =>
  fetch(harness.gatewayUrl, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  })

describe.each([
  ['on', true],
  ['off', false],
])('CORS, lean lane %s', (_lane, fastLane) => {
  it('allows no other origin by default (yoga would reflect any, with credentials)', async () => {
    harness = await startHarness({ gateway: { fastLane } })
    const response = await preflight('https://evil.example')

    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('allows the configured origins only', async () => {
    harness = await startHarness({
      gateway: { corsOrigins: ['https://app.example.com', 'https://admin.example.com'], fastLane },
    })
    const allowed = await preflight('https://app.example.com')
    const refused = await preflight('https://evil.example')

    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(allowed.headers.get('access-control-allow-headers')?.split(', ')).toEqual([
      'authorization',
      'seam-workspace',
      'seam-publishable-key',
      'content-type',
      'accept',
      'x-graphql-yoga-csrf',
    ])
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET, POST')
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
  })

  /** The CORS headers of an actual (not preflight) request from a page of `origin`. */
  const corsHeadersFor = async (origin: string) => {
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', ...withApiKey },
      body: JSON.stringify({ query: '{ __typename }' }),
    })
    await response.text()
    return {
      origin: response.headers.get('access-control-allow-origin'),
      credentials: response.headers.get('access-control-allow-credentials'),
    }
  }

  it('lets no page of another origin read an answer by default', async () => {
    harness = await startHarness({ gateway: { fastLane } })

    expect(await corsHeadersFor('https://evil.example')).toEqual({ origin: null, credentials: null })
    expect(await corsHeadersFor('null')).toEqual({ origin: null, credentials: null })
  })

  it('lets only pages of the configured origins read answers, not the null origin of a sandboxed page', async () => {
    harness = await startHarness({
      gateway: { corsOrigins: ['https://app.example.com', 'https://admin.example.com'], fastLane },
    })

    expect(await corsHeadersFor('https://admin.example.com')).toEqual({
      origin: 'https://admin.example.com',
      credentials: 'true',
    })
    // yoga, given the list itself, would answer these with `null` and credentials: a sandboxed iframe
    // on any site sends `Origin: null`.
    for (const origin of ['null', 'https://evil.example', 'https://app.example.com.evil.example']) {
      expect(await corsHeadersFor(origin)).toEqual({ origin: null, credentials: null })
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  it('never combines * with credentials, on actual requests either, whatever else is listed', async () => {
    harness = await startHarness({ gateway: { corsOrigins: ['https://app.example.com', '*'], fastLane } })

    for (const origin of ['https://app.example.com', 'https://anywhere.example']) {
      expect(await corsHeadersFor(origin)).toEqual({ origin, credentials: null })
      expect((await preflight(origin)).headers.get('access-control-allow-credentials')).toBeNull()
    }
  })

  const varyOf = (response: Response) => response.headers.get('vary')?.split(/,\s*/) ?? []
  /** An actual request from a page of `origin`, or from no page (no Origin header) when null. */
  const postFrom = async (origin: string | null) => {
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...withApiKey, ...(origin !== null && { origin }) },
      body: JSON.stringify({ query: '{ __typename }' }),
    })
    await response.text()
    return response
  }

  it('says Vary: Origin on every answer while origins are listed: a shared cache must not mix them up', async () => {
    harness = await startHarness({ gateway: { corsOrigins: ['https://app.example.com'], fastLane } })
    const answers = [
      await postFrom('https://app.example.com'),
      await postFrom('https://evil.example'),
      await postFrom(null),
      await preflight('https://app.example.com'),
      await preflight('https://evil.example'),
      await fetch(new URL('/ready', harness.gatewayUrl)),
    ]

    for (const answer of answers) expect(varyOf(answer).filter((name) => /^origin$/i.test(name))).toHaveLength(1)
  })

  it('says Vary: Origin with *, too: the allowed origin is echoed, not a literal *', async () => {
    harness = await startHarness({ gateway: { corsOrigins: ['*'], fastLane } })

    for (const answer of [await postFrom('https://anywhere.example'), await postFrom(null)]) {
      expect(varyOf(answer).filter((name) => /^origin$/i.test(name))).toHaveLength(1)
    }
  })

  it.each([
    ['listed', ['https://app.example.com']],
    ['*', ['*']],
  ])('lets an allowed page read x-request-id (origins %s)', async (_, corsOrigins) => {
    harness = await startHarness({ gateway: { corsOrigins, fastLane } })
    const answer = await postFrom('https://app.example.com')

    expect(answer.headers.get('x-request-id')).not.toBeNull()
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-request-id')
  })

  /** The CORS headers of an answer, and its Vary: what a browser decides by. */
  const corsOf = (response: Response) =>
    Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'))
  /** A POST from a page of `origin` whose body is over the gateway's limit of 1024 bytes. */
  const oversizedFrom = async (origin: string) => {
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', ...withApiKey },
      body: JSON.stringify({ query: `{ __typename }${' '.repeat(2000)}` }),
    })
    return {
      response,
      code: ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    }
  }

  it('lets a page of a listed origin read a body refused as too large, with the headers of any answer to it', async () => {
    harness = await startHarness({
      gateway: { corsOrigins: ['https://app.example.com'], maxRequestBodyBytes: 1024, fastLane },
    })
    const served = await postFrom('https://app.example.com')
    const { response: refused, code } = await oversizedFrom('https://app.example.com')

    expect([refused.status, code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
    expect(corsOf(served)['access-control-allow-origin']).toBe('https://app.example.com')
    expect(corsOf(refused)).toEqual(corsOf(served))
    // And the request id it is told it may read.
    expect(refused.headers.get('x-request-id')).not.toBeNull()
  })

  it('lets no page of another origin read a body refused as too large', async () => {
    harness = await startHarness({
      gateway: { corsOrigins: ['https://app.example.com'], maxRequestBodyBytes: 1024, fastLane },
    })
    for (const origin of ['https://evil.example', 'null']) {
      const { response: refused, code } = await oversizedFrom(origin)

      expect([refused.status, code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
      expect(corsOf(refused)).toEqual(corsOf(await postFrom(origin)))
      expect(corsOf(refused)).toEqual({ vary: 'Origin' })
    }
  })

  it('never combines * with credentials', async () => {
    harness = await startHarness({ gateway: { corsOrigins: ['*'], fastLane } })
    const response = await preflight('https://anywhere.example')

    expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example')
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })
})

describe('CSRF prevention', () => {
  const mutation =
    'mutation { grantClientSessionAccess(input: { userIdentifierKey: "user_42" }) { clientSession { token } } }'

  it('refuses a form post (no preflight) with BAD_REQUEST and makes no upstream call', async () => {
    harness = await startHarness()
    const response = await fetch(harness.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...withApiKey },
      body: `query=${encodeURIComponent(mutation)}`,
    })

    expect(response.status).toBe(403)
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST')
    expect(harness.fakeSeam.requests).toHaveLength(0)
  })

  it('refuses a plain GET query, and serves it with the CSRF header a script sets', async () => {
    harness = await startHarness()
    const url = `${harness.gatewayUrl}?query=${encodeURIComponent('{ clientSession(userIdentifierKey: "user_42") { clientSessionId } }')}`
    const plain = await fetch(url, { headers: withApiKey })
    const scripted = await fetch(url, { headers: { ...withApiKey, 'x-graphql-yoga-csrf': '1' } })

    expect(plain.status).toBe(403)
    expect(scripted.status).toBe(200)
    expect(harness.fakeSeam.requests).toHaveLength(1)
  })

  it('serves JSON posts, which browsers preflight, as usual', async () => {
    harness = await startHarness()
    const answer = await harness.graphql(mutation, { headers: withApiKey })

    expect(codesOf(answer)).toEqual([])
    expect(answer.status).toBe(200)
  })
})
