import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, type Problem } from '@troupe/client';
import type { FastifyInstance } from 'fastify';
import { ApiErrorCode, problemOf } from '../problem.js';

/** What Node's HTTP parser says about a request it could not read, in words a client can act on. */
function describe(code: string | undefined, maxHeaderSize: number): { code: ApiErrorCode; detail: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        code: ApiErrorCode.HeadersTooLarge,
        detail: `The request line and headers are over the ${maxHeaderSize}-byte limit: send fewer or shorter headers.`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        code: ApiErrorCode.RequestTimeout,
        detail: 'The request did not arrive in full in time: send it again.',
      };
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return {
        code: ApiErrorCode.MalformedRequest,
        detail:
          'A header holds a character HTTP does not allow (CR, LF or NUL in a value, or a separator in a name): fix the header.',
      };
    case 'HPE_INVALID_METHOD':
      return { code: ApiErrorCode.MalformedRequest, detail: 'The method is not an HTTP method.' };
    case 'HPE_INVALID_URL':
      return {
        code: ApiErrorCode.MalformedRequest,
        detail:
          'The request target is not a valid path: percent-encode spaces, control and non-ASCII characters.',
      };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return {
        code: ApiErrorCode.MalformedRequest,
        detail: 'The body framing is not valid (Content-Length or Transfer-Encoding): send one valid length.',
      };
    default:
      return {
        code: ApiErrorCode.MalformedRequest,
        detail: `The request is not valid HTTP/1.1${code ? ` (${code})` : ''}.`,
      };
  }
}

/**
 * Answers a request Node's parser refused (oversize headers, CR/LF in a header, a broken request line) with
 * problem+json like every other error, instead of Fastify's default plain JSON. The request never reached
 * routing, so there is no URL to name as the instance.
 */
export function createClientErrorHandler(maxHeaderSize: number) {
  return function clientErrorHandler(
    this: FastifyInstance,
    err: Error & { code?: string },
    socket: Socket,
  ): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const { code, detail } = describe(err.code, maxHeaderSize);
    const problem = problemOf(code, detail, '');
    this.log.debug({ err: { message: err.message, code: err.code } }, 'unreadable request');
    writeProblem(socket, problem);
    socket.destroy(err);
  };
}

function writeProblem(socket: Socket, problem: Problem, extra = ''): void {
  if (!socket.writable) return;
  const body = JSON.stringify(problem);
  socket.write(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Bad Request'}\r\n` +
      `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}

/**
 * The two requests Node answers itself, before any route: an `Expect` other than 100-continue (a bare
 * 417) and CONNECT (the socket is dropped without a word). Both become problem+json here.
 */
export function answerUnroutedRequests(server: Server): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify(
      problemOf(
        ApiErrorCode.ExpectationFailed,
        'Only "Expect: 100-continue" is supported: drop the Expect header or send that.',
        request.url ?? '',
      ),
    );
    response.writeHead(417, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    writeProblem(
      socket,
      problemOf(
        ApiErrorCode.MethodNotAllowed,
        'CONNECT is not served: this is an HTTP API, not a proxy.',
        request.url ?? '',
      ),
    );
    socket.end();
  });
}
