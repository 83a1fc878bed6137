import {
  Agent,
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { ClientPresence } from '../src/client-presence.js'

/**
 * A real node:http server whose handler is given each request's ClientPresence and decides itself when
 * (whether) to answer; requests come over one keep-alive connection.
 */
async function serve(handle: (presence: ClientPresence, request: IncomingMessage, response: ServerResponse) => void) {
  const server: Server = createServer((request, response) =>
    handle(new ClientPresence(request, response), request, response),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const { port } = server.address() as AddressInfo
  const send = () =>
    new Promise<{ status: number | undefined; request: ReturnType<typeof httpRequest> }>((resolve, reject) => {
      const sent = httpRequest({ host: '127.0.0.1', port, agent, method: 'POST', path: '/' }, (answer) => {
        answer.resume()
        answer.on('end', () => resolve({ status: answer.statusCode, request: sent }))
      })
      sent.on('error', reject)
      sent.end()
    })
  return { server, agent, send }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('ClientPresence', () => {
  const closing: (() => void)[] = []
  afterEach(() => {
    for (const close of closing.splice(0)) close()
  })

  it('does not add a close listener per request to a keep-alive connection', async () => {
    const counts: number[] = []
    const { server, agent, send } = await serve((presence, request, response) => {
      const listener = () => {}
      presence.addEventListener('abort', listener)
      counts.push(request.socket.listenerCount('close'))
      presence.removeEventListener('abort', listener)
      response.end('ok')
    })
    closing.push(() => {
      agent.destroy()
      server.close()
    })

    for (let sent = 0; sent < 5; sent++) expect((await send()).status).toBe(200)

    expect(new Set(counts).size).toBe(1)
  })

  it('calls each listener still there once when the client goes away before its answer, and none it removed', async () => {
    const heard: string[] = []
    let presence: ClientPresence | undefined
    let listening!: () => void
    const listened = new Promise<void>((resolve) => (listening = resolve))
    const { server, agent, send } = await serve((given) => {
      presence = given
      const removed = () => heard.push('removed')
      given.addEventListener('abort', () => heard.push('first'))
      given.addEventListener('abort', removed)
      given.addEventListener('abort', () => heard.push('second'))
      given.removeEventListener('abort', removed)
      listening()
      // Never answered: the client leaves first.
    })
    closing.push(() => {
      agent.destroy()
      server.close()
    })

    const pending = send().catch(() => undefined)
    await listened
    expect(presence!.aborted).toBe(false)
    agent.destroy()
    await pending
    for (let turn = 0; turn < 5 && heard.length < 2; turn++) await nextTurn()

    expect(heard).toEqual(['first', 'second'])
    expect(presence!.aborted).toBe(true)
  })

  it('calls no listener of a request that was answered before its connection closed', async () => {
    const heard: string[] = []
    const { server, agent, send } = await serve((presence, _request, response) => {
      presence.addEventListener('abort', () => heard.push('answered request'))
      response.end('ok')
    })
    closing.push(() => server.close())

    expect((await send()).status).toBe(200)
    agent.destroy()
    await new Promise((resolve) => setTimeout(resolve, 20))

    expect(heard).toEqual([])
  })
})
