/**
 * The processes of a benchmark run: each server and each load run is its own process, pinned with
 * `taskset` so that the server being measured has a core to itself and the load generator and the
 * upstream stub share the other.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { availableParallelism } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface Pinning {
  /** The CPU list for the server under test (`taskset -c`), or undefined when processes are not pinned. */
  serverCpus: string | undefined
  /** The CPU list for the load generator and the upstream stub. */
  loadCpus: string | undefined
  note: string
}

export function choosePinning(): Pinning {
  const cpus = availableParallelism()
  const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0
  if (!hasTaskset) {
    return { serverCpus: undefined, loadCpus: undefined, note: 'not pinned: taskset is not installed' }
  }
  if (cpus < 2) return { serverCpus: undefined, loadCpus: undefined, note: 'not pinned: only one CPU' }
  // The server under test gets the last CPU; the load generator and the stub share the others.
  const serverCpus = String(cpus - 1)
  const loadCpus = cpus === 2 ? '0' : `0-${cpus - 2}`
  return { serverCpus, loadCpus, note: `pinned: servers on CPU ${serverCpus}, load generator and stub on ${loadCpus}` }
}

export interface Started {
  child: ChildProcess
  pid: number
  /** The last lines it wrote to stderr, for an error message. */
  stderrTail(): string
  stop(): Promise<void>
}

/** Starts `node <args>`, pinned to `cpus` when given. */
export function startNode(
  args: string[],
  options: {
    cpus: string | undefined
    env?: Record<string, string>
    /** `ignore`: its stdout goes to /dev/null, read by no one (the gateway's request log). Default `pipe`. */
    stdout?: 'pipe' | 'ignore'
  },
): Started {
  const command = options.cpus === undefined ? process.execPath : 'taskset'
  const commandArgs = options.cpus === undefined ? args : ['-c', options.cpus, process.execPath, ...args]
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // taskset execs the command, so the pid is node's own.
  if (child.pid === undefined) throw new Error(`could not start node ${args.join(' ')}`)
  return {
    child,
    pid: child.pid,
    stderrTail: () => stderr.trim(),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * Arguments that run one of the bench's scripts, compiled beside this one (plain JavaScript, so that no
 * TypeScript loader adds to a server's memory or to a load run's start-up).
 */
export function scriptArgs(file: string, ...args: string[]): string[] {
  return [fileURLToPath(new URL(file, import.meta.url)), ...args]
}

/**
 * The lines a process prints, each parsed as JSON: how the stub and the proxy say where they listen and
 * how a load run says it has started and what it measured.
 */
export function jsonLines(started: Started, what: string): { next<T>(): Promise<T> } {
  const lines: string[] = []
  const waiting: Array<(line: string | undefined) => void> = []
  let ended = false
  const reader = createInterface({ input: started.child.stdout! })
  reader.on('line', (line) => {
    const waiter = waiting.shift()
    if (waiter === undefined) lines.push(line)
    else waiter(line)
  })
  reader.on('close', () => {
    ended = true
    for (const waiter of waiting.splice(0)) waiter(undefined)
  })
  return {
    next: async <T>() => {
      const line =
        lines.shift() ?? (ended ? undefined : await new Promise<string | undefined>((resolve) => waiting.push(resolve)))
      if (line === undefined) {
        await new Promise((resolve) => setImmediate(resolve))
        throw new Error(`${what} ended without answering: ${started.stderrTail() || 'no message'}`)
      }
      try {
        return JSON.parse(line) as T
      } catch {
        throw new Error(`${what} printed "${line}"`)
      }
    },
  }
}

/** A port that was free a moment ago, for a server that must be told its port before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()))
    })
  })
}
