/**
 * The system a user would otherwise run: a plain LangChain.js retrieval chain that calls the
 * generator for every question (retriever → prompt with the passages → ChatOpenAI). It uses
 * Sobre's own hybrid retriever, so the comparison isolates the router: same passages, same
 * OpenAI-protocol endpoint, no decision about whether to call.
 */
import { Document } from '@langchain/core/documents';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { ChatOpenAI } from '@langchain/openai';
import type { FusionWeights, HybridRetriever } from '../../src/retrieve/hybrid-retriever';

class SobreRetriever extends BaseRetriever {
  lc_namespace = ['sobre', 'bench'];

  constructor(
    private readonly retriever: HybridRetriever,
    private readonly opts: { topK: number; candidateK: number; weights: FusionWeights },
  ) {
    super();
  }

  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    const { passages } = await this.retriever.retrieve(query, this.opts);
    return passages.map((p) => new Document({ pageContent: p.text, metadata: { title: p.title, chunkId: p.chunkId } }));
  }
}

// LangChain's usual RAG prompt (hub rlm/rag-prompt), with numbered passages to cite.
const PROMPT = ChatPromptTemplate.fromMessages([
  ['system', 'You are an assistant for question-answering tasks. Use the following numbered passages of retrieved context to answer the question, citing them like [1]. If you don\'t know the answer, say that you don\'t know. Keep the answer concise.'],
  ['human', 'Passages:\n\n{context}\n\nQuestion: {question}'],
]);

function formatDocs(docs: Document[]): string {
  return docs.map((d, i) => `[${i + 1}] ${String(d.metadata.title ?? '')}\n${d.pageContent}`).join('\n\n');
}

export interface RagAnswer {
  text: string;
  promptTokens: number;
  completionTokens: number;
}

export interface RagChain {
  invoke(question: string): Promise<RagAnswer>;
}

export function alwaysGenerateChain(
  retriever: HybridRetriever,
  opts: { topK: number; candidateK: number; weights: FusionWeights; baseUrl: string; model: string; maxTokens: number },
): RagChain {
  const llm = new ChatOpenAI({
    model: opts.model, apiKey: 'sk-no-key', temperature: 0, maxTokens: opts.maxTokens, maxRetries: 0,
    configuration: { baseURL: opts.baseUrl },
  });
  const chain = RunnableSequence.from([
    { context: new SobreRetriever(retriever, opts).pipe(formatDocs), question: new RunnablePassthrough<string>() },
    PROMPT,
    llm,
  ]);
  return {
    async invoke(question) {
      const message = await chain.invoke(question);
      return { text: message.text, promptTokens: message.usage_metadata?.input_tokens ?? 0, completionTokens: message.usage_metadata?.output_tokens ?? 0 };
    },
  };
}
