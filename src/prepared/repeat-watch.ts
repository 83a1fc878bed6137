/**
 * Whether clients repeat a document: it is, once one of its operations runs for another request than the
 * request of its first run. Two runs of one request (a batch that sends the text twice) are one client's
 * one request, not a document repeated. The prepared documents' cache protects a repeated document
 * (./segmented-lru-cache.ts); when the cache hands it back to probation, the watch starts over, so that a
 * document still in use is protected again, as a new one would be.
 */
export class RepeatWatch {
  readonly #repeated: () => void
  /** The request of the first run since the watch (re)started, held weakly: a document keeps no request alive. */
  #firstRunBy: WeakRef<object> | undefined
  #told = false

  /** `repeated` is called when the document is first seen repeated, and again after each `restart` if it is again. */
  constructor(repeated: () => void) {
    this.#repeated = repeated
  }

  /** A run of one of the document's operations, for the request `requestKey`. */
  ran(requestKey: object): void {
    if (this.#told) return
    if (this.#firstRunBy === undefined) this.#firstRunBy = new WeakRef(requestKey)
    else if (this.#firstRunBy.deref() !== requestKey) {
      this.#told = true
      this.#firstRunBy = undefined
      this.#repeated()
    }
  }

  /** The document is back on probation: only runs from now on tell whether it is still repeated. */
  restart(): void {
    this.#told = false
    // Already cleared if the watch fired; not if the document was protected without it (by another
    // prepared document of the same text, which the cache had forgotten but a request still ran).
    this.#firstRunBy = undefined
  }
}
