/** The fake OpenAI-compatible server lives with the scripts (the benchmarks use it too). */
export * from '../../scripts/lib/fake-openai-server';
