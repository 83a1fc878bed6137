/**
 * Which operation names the metrics (./plugins/use-metrics.ts) record as label values of their own.
 *
 * prom-client keeps every series it has made for the life of the process, and each distinct
 * `operationName` makes new series in every metric labelled by it. The names come from the documents
 * clients send, so without a bound any client could grow the gateway's memory (and its scrapes) for
 * as long as it kept inventing names. The first `max` names seen keep their own value for good; every
 * later new name shares one overflow value.
 */

/**
 * The label value of the names past the bound. A GraphQL name matches `[_A-Za-z][_0-9A-Za-z]*`, so no
 * operation can be called `(other)` and its series are never mistaken for one operation's.
 */
export const otherOperationNames = '(other)'

/**
 * The label values that stand for no name of a client's choice: none (a request refused before any
 * operation was read) and an operation without a name (spelled as each library spells it). They make a
 * fixed number of series, so they take no room in the bound.
 */
const unnamed = new Set(['', 'anonymous', 'Anonymous'])

/**
 * The longest name that may have a label value of its own, as long as the longest the request log writes.
 * GraphQL bounds no name's length and each series' line repeats it: a few names of the length a request
 * body allows (100 KB) would make scrapes of hundreds of megabytes, within the bound.
 */
const longestOwnName = 128

export interface BoundedOperationNamesOptions {
  /** How many names get a label value of their own, besides `namedFirst`; a whole number, at least 1. */
  max: number
  /**
   * Names that have their own label value from the start, beyond `max`: the trusted documents'
   * operations, a number the operator fixes, not clients.
   */
  namedFirst?: Iterable<string>
  /** Told once, when the first name is turned away: the text names the setting, never a client's name. */
  warn: (message: string) => void
}

export class BoundedOperationNames {
  readonly #admitted: Set<string>
  readonly #max: number
  readonly #warn: (message: string) => void
  /** How many names the bound has admitted (`namedFirst` aside). */
  #count = 0
  #warned = false

  constructor({ max, namedFirst = [], warn }: BoundedOperationNamesOptions) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`metrics.maxOperationNames must be a whole number of at least 1, not ${max}.`)
    }
    this.#max = max
    this.#admitted = new Set(namedFirst)
    this.#warn = warn
  }

  /**
   * The label value of `name`: the name itself if it has (or may still take) a place of its own, the
   * overflow value otherwise. A name's value never changes once given, so callers may keep it.
   */
  label(name: string): string {
    if (this.#admitted.has(name) || unnamed.has(name)) return name
    // Not a front end's name: it takes no room, and the bound has not been reached.
    if (name.length > longestOwnName) return otherOperationNames
    if (this.#count < this.#max) {
      this.#count++
      this.#admitted.add(name)
      return name
    }
    if (!this.#warned) {
      this.#warned = true
      this.#warn(
        `Metrics: METRICS_MAX_OPERATION_NAMES (${this.#max}) operation names have series of their own; ` +
          `the operations of any other name are counted under operationName="${otherOperationNames}".`,
      )
    }
    return otherOperationNames
  }
}
