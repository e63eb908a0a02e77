/** The routes a question can take. `cache` is reserved for a future answer cache. */
export type Route = 'direct' | 'cache' | 'generate' | 'passages' | 'abstain';
