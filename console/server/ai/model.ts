import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import { AiFailed } from '../errors.js';
import { secrets } from '../redact.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A chat model: messages in, the assistant's text out. */
export interface ChatModel {
  readonly name: string;
  complete(messages: ChatMessage[], signal?: AbortSignal): Promise<string>;
}

export interface OpenAIModelOptions {
  apiKey: string;
  /** Any OpenAI-compatible server: OpenAI, Azure OpenAI (its /openai/v1 endpoint), vLLM, Ollama, llama.cpp. */
  baseURL?: string;
  model: string;
  timeoutMs: number;
  maxRetries: number;
}

/** The model behind the ask endpoint, through the `openai` client (the only module that uses it). */
export class OpenAIModel implements ChatModel {
  private readonly client: OpenAI;
  readonly name: string;

  constructor(options: OpenAIModelOptions) {
    secrets.hold(options.apiKey);
    this.name = options.model;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async complete(messages: ChatMessage[], signal?: AbortSignal): Promise<string> {
    let completion;
    try {
      completion = await this.client.chat.completions.create({ model: this.name, messages }, signal ? { signal } : undefined);
    } catch (err) {
      throw modelError(err);
    }
    const content = completion.choices[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new AiFailed('The model returned an empty answer.');
    return content;
  }
}

function modelError(err: unknown): AiFailed {
  if (err instanceof APIConnectionTimeoutError) return new AiFailed('The model did not answer in time (OPENAI_TIMEOUT).', 504);
  if (err instanceof APIError) {
    const status = err.status === undefined ? 'no response' : `HTTP ${err.status}`;
    return new AiFailed(`The model's server refused the request (${status}): ${err.message}`);
  }
  return new AiFailed(`The model could not be reached: ${(err as Error).message}`);
}
