import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the OpenAI chat protocol for the LLM tests: it replays recorded replies in
 * order (`queue`) and records every request it gets (`seen`). With no reply queued it answers `fallback`
 * when one is given, else 500.
 */
export interface ChatRequest {
  url: string;
  headers: IncomingHttpHeaders;
  body: { model: string; messages: Array<{ role: string; content: string }> };
}

export interface ChatStub {
  /** The endpoint's base URL (…/v1), as config `llm.baseUrl` takes it. */
  baseUrl: string;
  queue: string[];
  seen: ChatRequest[];
  close(): Promise<void>;
}

/** A reply in the shape an OpenAI-compatible server sends (recorded from one, content replaced). */
export const chatReply = (content: string): string =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1735689600,
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 900, completion_tokens: 120, total_tokens: 1020 },
  });

export async function startChatStub(options: { fallback?: string } = {}): Promise<ChatStub> {
  const stub: Omit<ChatStub, 'baseUrl' | 'close'> = { queue: [], seen: [] };
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      stub.seen.push({
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(data) as ChatRequest['body'],
      });
      const next = stub.queue.shift() ?? options.fallback;
      if (!next) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"no recorded reply"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(next);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(stub, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

/** Model replies the LLM tests replay: a module the static gate refuses (eval). */
export const UNSAFE_REPLY =
  '```js\nexport default async function run(input, sdk) {\n  return eval(\'({ answer: "1", data: { count: 1 } })\');\n}\n```';

/** Counts every shape of the asked kind, whatever its colour: wrong for "count the red circles". */
export const WRONG_COUNT_REPLY = `Here it is:\n\`\`\`js
export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const items = await sdk.vision.findShapes(screen, { shape: input.shape });
  return { answer: 'There are ' + items.length + ' shapes.', data: { count: items.length, items: items } };
}
\`\`\``;

/** A right count module, different from the count-shapes template's text. */
export const RIGHT_COUNT_REPLY = `\`\`\`js
export default async function run(input, sdk) {
  const screen = await sdk.screen.capture();
  const area = input.region ? await sdk.vision.region(screen, input.region) : screen;
  const query = {};
  if (input.shape) query.shape = input.shape;
  if (input.color) query.color = input.color;
  const items = await sdk.vision.findShapes(area, query);
  return { answer: 'There are ' + items.length + ' matching shapes.', data: { count: items.length, items: items } };
}
\`\`\``;
