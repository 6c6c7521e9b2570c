import type { Response } from 'express';

/**
 * A signal aborted when the client goes away before the response is complete: the console's Cancel aborting
 * its fetch, a closed tab, any HTTP client disconnecting. Node emits `close` on the response when the
 * connection closes, and also after a complete response, which `writableFinished` tells apart.
 */
export function clientGone(res: Response): AbortSignal {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return abort.signal;
}
