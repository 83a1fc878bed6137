import {
  Agent,
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { ClientPresence } from '../src/client-presence.js'

type Handler = (presence: ClientPresence, request: IncomingMessage, response: ServerResponse) => void

/**
 * A real node:http server that hands each request's ClientPresence to the handler of its turn (one per
 * request, in order), which decides itself when (whether) to answer.
 */
async function serve(handlers: Handler[]) {
  let turn = 0
  const server: Server = createServer((request, response) =>
    handlers[turn++]!(new ClientPresence(request, response), request, response),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, port }
}

/** Sends a POST over `agent` (one keep-alive connection); resolves with its status, or undefined if none came. */
function send(port: number, agent: Agent): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sent = httpRequest({ host: '127.0.0.1', port, agent, method: 'POST', path: '/' }, (answer) => {
      answer.resume()
      answer.on('end', () => resolve(answer.statusCode))
    })
    sent.on('error', () => resolve(undefined))
    sent.end()
  })
}

/** Long enough for a closed connection's `close` to reach the server and anything it calls, with room to call twice. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

describe('ClientPresence', () => {
  const closing: (() => void)[] = []
  afterEach(() => {
    for (const close of closing.splice(0)) close()
  })

  it('does not add a close listener per request to a keep-alive connection', async () => {
    const counts: number[] = []
    const listenAndAnswer: Handler = (presence, request, response) => {
      const listener = () => {}
      presence.addEventListener('abort', listener)
      counts.push(request.socket.listenerCount('close'))
      presence.removeEventListener('abort', listener)
      response.end('ok')
    }
    const { server, port } = await serve(Array.from({ length: 5 }, () => listenAndAnswer))
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    closing.push(() => {
      agent.destroy()
      server.close()
    })

    for (let sent = 0; sent < 5; sent++) expect(await send(port, agent)).toBe(200)

    expect(new Set(counts).size).toBe(1)
  })

  it('tells a later request on the same connection, once, when its client goes away before the answer', async () => {
    const heard: string[] = []
    let listening!: () => void
    const secondListens = new Promise<void>((resolve) => (listening = resolve))
    let second: ClientPresence | undefined
    const { server, port } = await serve([
      (presence, _request, response) => {
        const listener = () => heard.push('first request')
        presence.addEventListener('abort', listener)
        presence.removeEventListener('abort', listener)
        response.end('ok')
      },
      (presence) => {
        second = presence
        const removed = () => heard.push('removed')
        presence.addEventListener('abort', () => heard.push('one'))
        presence.addEventListener('abort', removed)
        presence.addEventListener('abort', () => heard.push('two'))
        presence.removeEventListener('abort', removed)
        listening()
        // Never answered: the client leaves first.
      },
    ])
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    closing.push(() => server.close())

    expect(await send(port, agent)).toBe(200)
    const unanswered = send(port, agent)
    await secondListens
    expect(second!.aborted).toBe(false)
    agent.destroy()
    expect(await unanswered).toBeUndefined()
    await settle()

    expect(heard).toEqual(['one', 'two'])
    expect(second!.aborted).toBe(true)
  })

  it('tells each of two pipelined requests once, through one close listener on their connection', async () => {
    const heard: string[] = []
    const closeListeners: number[] = []
    let bothListen!: () => void
    const listening = new Promise<void>((resolve) => (bothListen = resolve))
    const pipelined = (name: string): Handler => {
      return (presence, request) => {
        presence.addEventListener('abort', () => heard.push(name))
        closeListeners.push(request.socket.listenerCount('close'))
        if (closeListeners.length === 2) bothListen()
      }
    }
    const { server, port } = await serve([pipelined('first'), pipelined('second')])
    const client: Socket = connect(port, '127.0.0.1')
    client.on('error', () => {})
    closing.push(() => {
      client.destroy()
      server.close()
    })
    const post = 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n'
    client.write(post + post)

    await listening
    client.destroy()
    await settle()

    expect(closeListeners[1]).toBe(closeListeners[0])
    expect(heard.toSorted()).toEqual(['first', 'second'])
  })

  it('calls no listener of a request that was answered before its connection closed', async () => {
    const heard: string[] = []
    const { server, port } = await serve([
      (presence, _request, response) => {
        presence.addEventListener('abort', () => heard.push('answered request'))
        response.end('ok')
      },
    ])
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    closing.push(() => server.close())

    expect(await send(port, agent)).toBe(200)
    agent.destroy()
    await settle()

    expect(heard).toEqual([])
  })
})
