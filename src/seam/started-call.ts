/**
 * A promise for what `start` begins, its throw turned into a rejection: what an async function gives, for
 * the functions on a request's path that chain the promise `start` returns instead of awaiting it in one
 * promise more. Their callers can rely on failing by rejection alone: DataLoader, for one, fails every key
 * of a batch whose function throws.
 */
export function startedCall<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start()
  } catch (error) {
    return Promise.reject(error as Error)
  }
}
