/**
 * A Redis for the benchmark's replicated-settings row: Debian's `redis-server` on a free loopback port,
 * without persistence, pinned with the upstream stub. Undefined when it is not installed: that row is
 * then left out, and the run says so.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { Socket } from 'node:net'

import { freePort, type Pinning } from './processes.js'

export interface RunningRedis {
  url: string
  stop(): void
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    socket.once('error', () => resolve(false))
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
  })
}

export async function startRedis(pinning: Pinning): Promise<RunningRedis | undefined> {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const [command, commandArgs] =
    pinning.loadCpus === undefined
      ? ['redis-server', args]
      : ['taskset', ['-c', pinning.loadCpus, 'redis-server', ...args]]
  let child: ChildProcess
  try {
    child = spawn(command, commandArgs, { stdio: 'ignore' })
  } catch {
    return undefined
  }
  const failed = new Promise<false>((resolve) => {
    child.once('error', () => resolve(false))
    child.once('exit', () => resolve(false))
  })
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await Promise.race([answersPing(port), failed])
    if (up) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') }
    if (child.exitCode !== null || child.signalCode !== null) return undefined
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  return undefined
}
