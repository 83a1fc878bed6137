/**
 * Lines for stdout, gathered while the event loop works through one round of its callbacks and written
 * together in one `write` when it checks for immediates, right after that round: under load several
 * requests end in each round, and each `process.stdout.write` is a trip through the stream machinery and
 * a system call of its own (1.6 % of busy time on the system call alone, profiled, for the request log).
 *
 * A line waits for no timer and no size: it is written within the same turn of the event loop that
 * produced it, so a reader of the log sees it as soon as before, give or take that turn. What is still
 * gathered when the process exits (process.exit, an uncaught error) is written on 'exit': all of it to a
 * file or a terminal, which Node writes synchronously; to a pipe, as much as the pipe takes at once (64
 * KB by default on Linux, far more than one turn's lines), as for any write still pending then. A process
 * killed by a signal without a handler (SIGKILL, a second SIGTERM while it drains, running out of memory)
 * loses the lines of its last turn, which a write per line would have handed to the system already.
 */

let pending = ''
let flushScheduled = false
/** Whether the exit hook and the error listener are in place. */
let firstLineWritten = false

/**
 * A failed write to stdout (EPIPE: whoever read it went away) is emitted as an 'error' event, which ends
 * the process when nobody listens. The log is not worth the gateway: as console.log does, the error is
 * swallowed, by a listener of our own from the first line on. Not only when no one else listens: a stream
 * piped into stdout (tsx's, under `npm run dev`) listens only to stop piping, then emits the error again
 * when no listener is left, which ended the process.
 */
function ignoreStdoutErrors(): void {
  process.stdout.on('error', () => {})
}

/** Writes what was gathered, if anything. */
export function flushStdoutLines(): void {
  flushScheduled = false
  if (pending === '') return
  const text = pending
  pending = ''
  process.stdout.write(text)
}

/**
 * Writes `line` and a newline to stdout, in this turn of the event loop. Straight to stdout rather than
 * through console.log, which formats its arguments and goes through the Console's stream handling on every
 * call (2.6 % of busy time under load); a string needs none of it.
 */
export function writeLineToStdout(line: string): void {
  pending += line + '\n'
  if (flushScheduled) return
  flushScheduled = true
  setImmediate(flushStdoutLines)
  if (!firstLineWritten) {
    firstLineWritten = true
    process.once('exit', flushStdoutLines)
    ignoreStdoutErrors()
  }
}
