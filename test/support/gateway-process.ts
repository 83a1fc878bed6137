/**
 * The built gateway (`dist/main.js`, or `dist/demo.js`) run as `npm start` and `npm run demo` run it: a
 * child process configured only through its environment (build it first: ./build-once.ts).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface GatewayProcess {
  child: ChildProcessWithoutNullStreams
  /** All it has printed so far, stdout and stderr together. */
  output: () => string
  /** The GraphQL URL its start-up line names; rejects when it exits before printing one. */
  graphqlUrl: Promise<string>
  exited: Promise<number | null>
  /** SIGTERM, and its exit. */
  stop: () => Promise<void>
}

export function startGatewayProcess(entry: 'main' | 'demo', env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, [`dist/${entry}.js`], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: '', ...env },
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const graphqlUrl = new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      const url = output.match(/ at (http:\/\/\S+\/graphql)/)?.[1]
      if (url !== undefined) resolve(url)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    void exited.then((code) => reject(new Error(`the gateway exited (${code}): ${output}`)))
  })
  // A test that expects it to exit never asks for the URL.
  graphqlUrl.catch(() => {})
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  return { child, output: () => output, graphqlUrl, exited, stop }
}
