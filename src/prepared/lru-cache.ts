/**
 * A Map that holds at most `capacity` entries and forgets the least recently used one first: what is
 * kept per key (an APQ document, a request target's parts) stays bounded however many different keys
 * clients send. The prepared documents have a segmented LRU of their own (./segmented-lru-cache.ts).
 */
export class LruCache<K, V> {
  // A Map iterates in insertion order: moving an entry to the end on every use keeps the oldest first.
  readonly #entries = new Map<K, V>()
  // The key moved to the end last. Most traffic repeats one document, which is then already the most
  // recently used: comparing with it saves a Map delete and set per request (~0.3 µs for a grant document).
  #newest: K | undefined

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined && key !== this.#newest) {
      this.#entries.delete(key)
      this.#entries.set(key, value)
      this.#newest = key
    }
    return value
  }

  set(key: K, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    this.#newest = key
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as K)
  }

  get size(): number {
    return this.#entries.size
  }
}
