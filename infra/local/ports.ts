import { createServer } from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1 (bind to port 0, read it back, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port the kernel assigned'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

const PORT_TAKEN = /Address already in use/;
const FRESH_START_ATTEMPTS = 3;

/**
 * Runs a fresh start of a local service on free ports again (up to 3 times) when it failed because one of its
 * ports was taken between freePort and the service's bind: another process on the machine, or a client's
 * ephemeral port, can get it in that window. `start` must pick new ports on each call and put the service's
 * log tail in its error. A restart on the ports clients already know (`fresh` false) is never retried here.
 */
export async function retryWhenPortTaken<T>(fresh: boolean, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const retry = fresh && attempt < FRESH_START_ATTEMPTS && PORT_TAKEN.test(String(error));
      if (!retry) throw error;
    }
  }
}
