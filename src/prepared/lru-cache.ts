/**
 * A Map that holds at most `capacity` entries and forgets the least recently used one first: what is
 * prepared once per document stays bounded however many different documents clients send.
 */
export class LruCache<K, V> {
  // A Map iterates in insertion order: moving an entry to the end on every use keeps the oldest first.
  readonly #entries = new Map<K, V>()

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  set(key: K, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as K)
  }

  get size(): number {
    return this.#entries.size
  }
}
