import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorResponse } from '../errorResponse.js';
import { DeployDbError } from '../errors.js';

/**
 * Answers a request Node's HTTP parser refused before the app saw it (request line and headers
 * over 16 KiB, a malformed request line or header) with the contract's error body, instead of
 * Node's default bare status line, then closes the connection: what follows on it cannot be
 * trusted to start a request.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const message =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'the request line and headers are larger than 16 KiB'
      : error.code === 'HPE_HEADERS_TIMEOUT' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'the request did not arrive in time'
        : 'the request is not valid HTTP';
  const { status, body } = errorResponse(new DeployDbError('bad_request', message));
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}
