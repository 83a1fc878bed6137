/**
 * A cache of at most `capacity` entries that a stream of keys, each used once, cannot empty: a segmented
 * LRU. A new entry starts on probation; the owner promotes the entries it sees worth keeping (`protect`)
 * to a protected part of at most four fifths of the capacity, whose least recently used entry goes back to
 * probation when it is full. What is forgotten is always probation's least recently used entry. So the
 * documents clients run again and again stay prepared and compiled while someone sends texts that are
 * each new (a client that writes its values into the query, or one that means to push the others out):
 * those only take each other's place on probation. A text is promoted when it comes again while still
 * on probation, that is within about a fifth of the capacity of new texts: one that means to push the
 * others out must send each of its texts twice, in two requests.
 *
 * Promotion is the owner's call, not a second `get`: one request may look a document up more than once
 * (the authentication gate, then the lane; the lane, then yoga), which must not make a one-off text look
 * used twice. ./prepared-operations.ts promotes a document when an operation of it runs again for
 * another request than its first run's (./repeat-watch.ts), and is told when the protected part hands
 * an entry back to probation, so that it can promote the entry again if it is still in use.
 *
 * Written here rather than taken from a package: the LRU caches already in the dependency tree (lru-cache,
 * tiny-lru, quick-lru, toad-cache) have one segment, and none lets its owner decide what is promoted. Two
 * Maps are all it takes.
 */
export class SegmentedLruCache<K, V> {
  // A Map iterates in insertion order: moving an entry to the end on every use keeps the oldest first.
  readonly #probation = new Map<K, V>()
  readonly #protected = new Map<K, V>()
  readonly #protectedCapacity: number
  readonly #onDemoted: ((key: K, value: V) => void) | undefined
  // The key moved to the end of the protected part last. Most traffic repeats one document, which is then
  // already the most recently used: comparing with it saves a Map delete and set per request. It may name
  // a key that has left the protected part since: only a key found there is compared with it, and only
  // `protect` puts one back, making it the newest again.
  #newest: K | undefined

  /** `onDemoted` is told of each entry the protected part hands back to probation. */
  constructor(
    readonly capacity: number,
    onDemoted?: (key: K, value: V) => void,
  ) {
    // At least one entry on probation, so that a new entry always has a place to start.
    this.#protectedCapacity = capacity - Math.max(1, Math.ceil(capacity / 5))
    this.#onDemoted = onDemoted
  }

  get(key: K): V | undefined {
    const kept = this.#protected.get(key)
    if (kept !== undefined) {
      if (key !== this.#newest) {
        this.#protected.delete(key)
        this.#protected.set(key, kept)
        this.#newest = key
      }
      return kept
    }
    const value = this.#probation.get(key)
    if (value !== undefined) {
      this.#probation.delete(key)
      this.#probation.set(key, value)
    }
    return value
  }

  /** Adds `key` on probation, forgetting probation's least recently used entry when the cache is full. */
  set(key: K, value: V): void {
    this.#protected.delete(key)
    this.#probation.delete(key)
    this.#probation.set(key, value)
    // The protected part never fills the cache, so probation has an entry to give up.
    if (this.size > this.capacity) this.#probation.delete(this.#probation.keys().next().value as K)
  }

  /** Moves `key` from probation to the protected part; nothing when it is not on probation. */
  protect(key: K): void {
    // With room for one entry, nothing is ever protected: that one entry is probation's.
    if (this.#protectedCapacity === 0) return
    const value = this.#probation.get(key)
    if (value === undefined) return
    this.#probation.delete(key)
    this.#protected.set(key, value)
    this.#newest = key
    if (this.#protected.size <= this.#protectedCapacity) return
    const [oldest, oldestValue] = this.#protected.entries().next().value as [K, V]
    this.#protected.delete(oldest)
    this.#probation.set(oldest, oldestValue)
    this.#onDemoted?.(oldest, oldestValue)
  }

  /** Whether `key` is in the protected part. */
  isProtected(key: K): boolean {
    return this.#protected.has(key)
  }

  get size(): number {
    return this.#probation.size + this.#protected.size
  }
}
