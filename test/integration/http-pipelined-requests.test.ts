import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUESTS_IN_PROGRESS } from '../../src/server/http/requests-in-progress.js';
import { exchangeRaw, rawAnswers } from '../support/raw-http.js';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const PAGE = '<h1>the game</h1>';
const metrics = () => t.server.metrics as CountingMetrics;

let t: TestServer;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vehikill-pipelined-'));
  writeFileSync(join(root, 'index.html'), PAGE);
  t = await startServer({ test: TestRoom }, { staticDir: root });
});
afterAll(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** Writes `request` on a raw socket and reads until the server closes it (or `ms` pass). */
async function exchange(request: string, ms = 3_000): Promise<{ answers: Answer[]; closed: boolean }> {
  const { text, closed } = await exchangeRaw(t.port, request, ms);
  const answers = rawAnswers(text).map(({ status, head, body }) => ({
    status,
    connection: /^connection: (.*)$/im.exec(head)?.[1]?.toLowerCase(),
    body,
  }));
  return { answers, closed };
}

const pageRequest = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

describe('requests pipelined on one connection', () => {
  it('a few are all answered, in order, and the connection stays open', async () => {
    const { answers, closed } = await exchange(pageRequest.repeat(MAX_REQUESTS_IN_PROGRESS), 1_000);
    expect(answers.map((answer) => [answer.status, answer.body])).toEqual(
      Array.from({ length: MAX_REQUESTS_IN_PROGRESS }, () => [200, PAGE]),
    );
    expect(closed).toBe(false);
  });

  it('past the bound one is refused 429 RATE_LIMITED and the connection closed, not each served', async () => {
    // Before, every one of them opened its file at once: 20,000 held 11,000 files and 600 MB.
    const refusedBefore = metrics().total('bad_input_total', { code: ErrorCode.RATE_LIMITED });
    const { answers, closed } = await exchange(pageRequest.repeat(500));
    const served = answers.filter((answer) => answer.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(served.length).toBeLessThanOrEqual(MAX_REQUESTS_IN_PROGRESS);
    const refusal = answers.find((answer) => answer.status !== 200);
    expect(refusal?.status).toBe(429);
    expect(refusal?.connection).toBe('close');
    expect(JSON.parse(refusal?.body ?? '')).toEqual({
      code: 'RATE_LIMITED',
      message: `too many requests in progress on this connection (at most ${MAX_REQUESTS_IN_PROGRESS}): wait for each answer before sending the next`,
    });
    expect(answers.length).toBeLessThan(500);
    expect(closed).toBe(true);
    // Counted as bad input, as other refused HTTP requests are.
    expect(metrics().total('bad_input_total', { code: ErrorCode.RATE_LIMITED })).toBeGreaterThan(
      refusedBefore,
    );
    // Everyone else is served as before.
    const page = await fetch(`${t.httpUrl}/`);
    expect(await page.text()).toBe(PAGE);
  });

  it('answers given at once take no place: 100 pipelined /healthz are all answered', async () => {
    const { answers } = await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100), 1_000);
    expect(answers).toHaveLength(100);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
  });
});
