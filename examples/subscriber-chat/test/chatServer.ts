/**
 * A stand-in for a chat's incoming webhook on loopback: keeps every post, and answers with the
 * status the test sets (200 "ok", as Slack does, unless told otherwise).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Post {
  contentType: string | undefined;
  body: unknown;
}

export class ChatServer {
  readonly posts: Post[] = [];
  /** The status of the next answers. */
  status = 200;
  private server: http.Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => {
        if (this.status === 200) this.posts.push({ contentType: request.headers['content-type'], body: JSON.parse(text) });
        response.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status === 200 ? 'ok' : 'no_service');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/T000/B000`;
    return this;
  }

  /** Resolves once `count` posts arrived (or rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 15_000): Promise<Post[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.posts.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.posts.length} post(s) after ${timeoutMs} ms, not ${count}: ${JSON.stringify(this.posts)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.posts;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
