/**
 * An embedder's request-log function (the `requestLog` option), called so that its failure never reaches a
 * request. Its line is written once the answer is ready, and a throw out of it would reach the request: the
 * lean lane would take it for a fault of its own (the connection destroyed after the answer, an error logged
 * for every request), yoga's answer would become the error's own text, and a request the listener refuses
 * (413, 400) would never be answered. A log that cannot be written is the operator's to hear of, not the client's: the
 * first failure is reported through the gateway's error log, and the next only once a line has gone
 * through in between, so that a sink that stays broken does not put an error on the log for every request.
 */
export function requestLogSink(
  write: (line: string) => void,
  reportFailure: (error: unknown) => void,
): (line: string) => void {
  let failing = false
  return (line) => {
    try {
      write(line)
      failing = false
    } catch (error) {
      if (!failing) reportFailure(error)
      failing = true
    }
  }
}
