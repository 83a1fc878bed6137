/**
 * The request log's line is written once its answer is ready, by both lanes and by the listener's refusals:
 * a throw out of an embedder's `requestLog` function there would reach the request (the lane would take it
 * for its own fault, yoga would answer with the error's text, a refusal would never be answered). A log that
 * cannot be written is the operator's to hear of, not the client's: the line is dropped, and the failure is
 * reported once, then again only after a line has gone through in between, so that a sink that stays broken
 * does not add an error to the log for every request.
 */
export function requestLogThatNeverThrows(
  write: (line: string) => void,
  reportFailure: (error: unknown) => void,
): (line: string) => void {
  let failing = false
  return (line) => {
    try {
      write(line)
      failing = false
    } catch (error) {
      if (failing) return
      failing = true
      try {
        reportFailure(error)
      } catch {
        // The operator's log broke as well (the same full disk, say): nothing is left to tell, and the request
        // must still not hear of it.
      }
    }
  }
}
