/**
 * A real Redis for tests: Debian's `redis-server` (.ci/run installs it), on a loopback port of its own,
 * without persistence. It can be stopped and started again on the same port, as an outage would.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, Socket } from 'node:net'

const redisServerPath = process.env['REDIS_SERVER_PATH'] ?? 'redis-server'

async function freeLoopbackPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

export class RedisServer {
  readonly port: number
  #process: ChildProcess | undefined

  private constructor(port: number) {
    this.port = port
  }

  /** A running server on a free port. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freeLoopbackPort())
    await server.start()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts it (again) on its port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.#process !== undefined) return
    const child = spawn(
      redisServerPath,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.#process = child
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${output}`)))
    })
    exited.catch(() => {})
    await Promise.race([exited, this.#pingUntilReady()])
  }

  async #pingUntilReady(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const answered = await new Promise<boolean>((resolve) => {
        const socket = new Socket()
        socket.once('error', () => resolve(false))
        socket.connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'))
        socket.once('data', (data) => {
          socket.destroy()
          resolve(data.toString().startsWith('+PONG'))
        })
      })
      if (answered) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`redis-server on port ${this.port} did not answer PING`)
  }

  /**
   * Freezes it (SIGSTOP), as a hung server or a network partition would look: connections stay open and
   * the port accepts, but nothing is answered until `resume()`.
   */
  pause(): void {
    this.#process?.kill('SIGSTOP')
  }

  resume(): void {
    this.#process?.kill('SIGCONT')
  }

  /** Stops it, as an outage would: connections drop and the port refuses. */
  async stop(): Promise<void> {
    const child = this.#process
    if (child === undefined) return
    this.#process = undefined
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
    }
  }
}
