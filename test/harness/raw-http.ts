/**
 * A raw HTTP/1.1 client over a TCP socket, for requests fetch refuses to send: duplicated or oversized headers,
 * lying Content-Length, invalid bytes, bodies that never finish.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method?: string;
  path?: string;
  /** pairs, so a header can repeat */
  headers: Array<[string, string]>;
  body?: Buffer | string;
  /** defaults to the body's length; null leaves the header out */
  contentLength?: number | null;
  /** replaces the whole request with these bytes (malformed HTTP) */
  rawBytes?: Buffer;
  /** send this part of the body, then stall (the server's timeout must end it) */
  stallAfterBytes?: number;
}

export interface RawResponse {
  status: number | undefined;
  body: string;
}

export function rawRequest(port: number, request: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
      });
      socket.destroy();
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('error', finish);
    socket.on('connect', () => {
      if (request.rawBytes) {
        socket.write(request.rawBytes);
        return;
      }
      const body =
        typeof request.body === 'string' ? Buffer.from(request.body) : (request.body ?? Buffer.alloc(0));
      const lines = [
        `${request.method ?? 'POST'} ${request.path ?? '/webhooks/okendo'} HTTP/1.1`,
        'Host: 127.0.0.1',
        'Connection: close',
      ];
      const length = request.contentLength === undefined ? body.length : request.contentLength;
      if (length !== null) lines.push(`Content-Length: ${length}`);
      for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      socket.write(request.stallAfterBytes === undefined ? body : body.subarray(0, request.stallAfterBytes));
    });
  });
}
