import { runKnowledgeServiceConformance } from '../../src/testing/knowledge-conformance.js';
import {
  anthropicAdapter,
  openaiAdapter,
  scriptedAdapter,
} from '../support/fake-knowledge-adapters.js';

runKnowledgeServiceConformance('anthropic (Files API)', anthropicAdapter());
runKnowledgeServiceConformance(
  'anthropic (inline documents)',
  anthropicAdapter({ files_api: false }),
);
runKnowledgeServiceConformance(
  'openai (chat_completions)',
  openaiAdapter({ api: 'chat_completions' }),
);
runKnowledgeServiceConformance('openai (responses)', openaiAdapter({ api: 'responses' }));
runKnowledgeServiceConformance(
  'openai-compatible server (no native schema, no Files API)',
  openaiAdapter({
    native_structured_output: false,
    files_api: false,
    max_tokens_field: 'max_tokens',
  }),
);
runKnowledgeServiceConformance('scripted', scriptedAdapter());
