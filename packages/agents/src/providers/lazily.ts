/**
 * Runs `load` on the first call and hands out its promise from then on: for an SDK that costs megabytes of
 * heap, loaded by the first call that needs it rather than by every process that imports the provider.
 */
export function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
