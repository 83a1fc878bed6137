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
import { fstatSync, writeSync } from 'node:fs'
import { isatty } from 'node:tty'

let pending = ''
let flushScheduled = false
/** Whether the exit hook and the error listener are in place, and `stdoutFile` decided. */
let firstLineWritten = false
/** stdout's file descriptor when it is a file; see `fileDescriptorOfStdout`. */
let stdoutFile: number | undefined

/**
 * stdout's file descriptor when it is a file or a device such as /dev/null (not a terminal), which Node
 * writes synchronously anyway, through a stream that first copies each string into a Buffer of its own:
 * that copy cost more than the write itself (1.5 µs a request under load, profiled, with stdout on
 * /dev/null as in `npm run bench`). Such a stdout is written to as that stream would, with one
 * fs.writeSync, but of the string itself. Undefined for anything else: a pipe (a container's log) is
 * non-blocking, where fs.writeSync would fail when it is full, and a terminal or socket is a stream of
 * its own; they keep `process.stdout.write`.
 */
function fileDescriptorOfStdout(): number | undefined {
  const { fd } = process.stdout as { fd?: unknown }
  if (typeof fd !== 'number') return undefined
  try {
    const stats = fstatSync(fd)
    return stats.isFile() || (stats.isCharacterDevice() && !isatty(fd)) ? fd : undefined
  } catch {
    return undefined
  }
}

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
  if (stdoutFile === undefined) {
    process.stdout.write(text)
    return
  }
  try {
    writeSync(stdoutFile, text)
  } catch {
    // As for the stream (ignoreStdoutErrors): a failed write (a full disk) costs the lines, never the process.
  }
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
    stdoutFile = fileDescriptorOfStdout()
    process.once('exit', flushStdoutLines)
    ignoreStdoutErrors()
  }
}
