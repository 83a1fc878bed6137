/**
 * vitest global setup: builds `dist/` once before any test file runs. The tests that start the
 * gateway as a child process (`npm start`, `npm run demo`) run the built code; building in each of
 * them would build several times over, in parallel, into the same directory.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function buildOnce(): void {
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'inherit',
  })
}
