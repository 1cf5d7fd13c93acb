import {
  documentKind,
  KnowledgeServiceError,
  type Document,
  type KnowledgeErrorCode,
  type KnowledgeProvider,
  type ProviderAnswer,
  type ProviderCall,
  type ProviderRegistration,
  type RegistrationMode,
  type SpooledDocument,
  type StructuredOutputDialect,
} from '../../src/plugin-api/index.js';
import type { ScriptedErrorKind, ScriptedReply, ScriptedRule } from './scripted-rules.js';

/** What the scripted provider was asked, for tests and demos. */
export interface ScriptedCallRecord {
  readonly rule: string | null;
  readonly model: string;
  /** The turns of the conversation, documents excluded. */
  readonly turns: readonly { readonly role: string; readonly text: string }[];
  readonly attempt: number;
  readonly documents: readonly string[];
}

const ERROR_CODES: Record<ScriptedErrorKind, KnowledgeErrorCode> = {
  rate_limited: 'JULEE_KNOWLEDGE_RATE_LIMITED',
  overloaded: 'JULEE_KNOWLEDGE_OVERLOADED',
  server_error: 'JULEE_KNOWLEDGE_PROVIDER_UNAVAILABLE',
  timeout: 'JULEE_KNOWLEDGE_TIMEOUT',
  spend_limit: 'JULEE_KNOWLEDGE_SPEND_LIMIT',
  bad_request: 'JULEE_KNOWLEDGE_BAD_REQUEST',
  auth: 'JULEE_KNOWLEDGE_AUTH',
  not_found: 'JULEE_KNOWLEDGE_NOT_FOUND',
  too_large: 'JULEE_KNOWLEDGE_TOO_LARGE',
};

/** Text documents up to this size are kept so that rules can match on their content. */
const MAX_MATCHED_TEXT_BYTES = 8 * 1024 * 1024;

/**
 * A deterministic "model": answers come from rules (configuration and fixture files), matched on
 * the prompt, the documents and the attempt number. Documents are "uploaded" (checked, counted,
 * given an id); the structured-output, validation and re-ask machinery is the real one.
 */
export class ScriptedProvider implements KnowledgeProvider {
  readonly provider = 'scripted';
  readonly calls: ScriptedCallRecord[] = [];
  uploads = 0;
  private rules: readonly ScriptedRule[] = [];
  private readonly used = new Map<ScriptedRule, number>();
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly options: {
      readonly serviceInstance: string;
      readonly requestTimeoutMs: number;
      readonly defaultReply?: ScriptedReply | undefined;
    },
  ) {}

  setRules(rules: readonly ScriptedRule[]): void {
    this.rules = rules;
    this.used.clear();
  }

  dialect(_model: string): StructuredOutputDialect | null {
    return null;
  }

  supportsPrefill(): boolean {
    return true;
  }

  registrationMode(_document: Document): RegistrationMode {
    return 'upload';
  }

  async upload(document: Document, content: SpooledDocument): Promise<ProviderRegistration> {
    this.uploads++;
    const id = `scripted-file-${document.content_multihash.slice(4, 20)}-${this.uploads}`;
    if (documentKind(document.content_type) === 'text' && content.size <= MAX_MATCHED_TEXT_BYTES) {
      const file = await content.file('content', 'text/plain');
      this.texts.set(id, await file.text());
    }
    return { provider_file_id: id, metadata: { scripted_file_id: id } };
  }

  async call(call: ProviderCall): Promise<ProviderAnswer> {
    const attempt = Math.floor(call.turns.length / 2) + 1;
    const prompt = call.turns[0]?.text ?? '';
    const documents = call.documents.map(
      (d) =>
        this.texts.get(d.registration.provider_file_id ?? '') ?? d.bytes?.toString('utf8') ?? '',
    );
    const rule = this.rules.find((r) => matches(r, prompt, documents, attempt));
    this.calls.push({
      rule: rule ? (rule.name ?? `rule ${this.rules.indexOf(rule) + 1}`) : null,
      model: call.model,
      turns: call.turns.map((t) => ({ role: t.role, text: t.text })),
      attempt,
      documents: call.documents.map((d) => d.registration.document_id),
    });
    const reply = rule ? this.nextReply(rule) : this.options.defaultReply;
    if (!reply) {
      throw new KnowledgeServiceError(
        'JULEE_KNOWLEDGE_NO_SCRIPTED_ANSWER',
        `no scripted rule of service "${this.options.serviceInstance}" matches the query`,
        { details: { service_instance: this.options.serviceInstance, attempt } },
      );
    }
    await this.wait(reply, rule, call.signal);
    return this.answer(reply, call, prompt);
  }

  private nextReply(rule: ScriptedRule): ScriptedReply {
    const count = this.used.get(rule) ?? 0;
    this.used.set(rule, count + 1);
    return rule.replies[Math.min(count, rule.replies.length - 1)]!;
  }

  /** Sleeps the reply's delay (or forever for a hang) within the request timeout and signal. */
  private async wait(
    reply: ScriptedReply,
    rule: ScriptedRule | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const delay = reply.hang ? Infinity : (reply.delay_ms ?? rule?.delay_ms ?? 0);
    const limit = this.options.requestTimeoutMs;
    if (delay <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, Math.min(delay, limit));
      function done() {
        signal.removeEventListener('abort', onAbort);
        if (delay > limit) {
          const error = new Error('scripted request timed out');
          error.name = 'TimeoutError';
          reject(error);
        } else {
          resolve();
        }
      }
      function onAbort() {
        clearTimeout(timer);
        const error = new Error('scripted request was aborted');
        error.name = 'AbortError';
        reject(error);
      }
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private answer(reply: ScriptedReply, call: ProviderCall, prompt: string): ProviderAnswer {
    if (reply.error) {
      throw new KnowledgeServiceError(
        ERROR_CODES[reply.error],
        `scripted ${reply.error} from service "${this.options.serviceInstance}"`,
        {
          details: { provider: 'scripted', service_instance: this.options.serviceInstance },
          retryAfterMs: reply.retry_after_ms ?? null,
        },
      );
    }
    let text = reply.text ?? reply.truncated ?? '';
    if (reply.json !== undefined) text = JSON.stringify(reply.json, null, 2);
    // A prefilled answer continues after the prefill, as a model's would.
    if (call.prefill && text.startsWith(call.prefill)) text = text.slice(call.prefill.length);
    const outcome = reply.refusal
      ? 'refused'
      : reply.truncated !== undefined
        ? 'truncated'
        : 'complete';
    return {
      text,
      model: call.model,
      stopReason:
        outcome === 'truncated' ? 'max_tokens' : outcome === 'refused' ? 'refusal' : 'end_turn',
      outcome,
      usage: {
        input_tokens: Math.ceil(call.turns.reduce((n, t) => n + t.text.length, 0) / 4) || 1,
        output_tokens: Math.ceil(text.length / 4) || 1,
      },
      requestId: `scripted-${this.calls.length}-${prompt.length}`,
    };
  }
}

function matches(
  rule: ScriptedRule,
  prompt: string,
  documents: readonly string[],
  attempt: number,
): boolean {
  const when = rule.when;
  if (!when) return true;
  if (when.attempt !== undefined && when.attempt !== attempt) return false;
  const wanted = when.prompt_contains;
  const substrings = wanted === undefined ? [] : typeof wanted === 'string' ? [wanted] : wanted;
  if (!substrings.every((s) => prompt.includes(s))) return false;
  if (when.prompt_matches !== undefined && !new RegExp(when.prompt_matches).test(prompt)) {
    return false;
  }
  if (when.document_contains !== undefined) {
    const needle = when.document_contains;
    if (!documents.some((text) => text.includes(needle))) return false;
  }
  return true;
}
