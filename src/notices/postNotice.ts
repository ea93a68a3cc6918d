/** Why an attempt failed, as metrics count it. */
export type PostFailure = 'status' | 'redirect' | 'timeout' | 'connection';

/** What became of one POST of a notice: delivered, or why not (never what the receiver said). */
export type PostOutcome = { delivered: true; status: number } | { delivered: false; failure: PostFailure; error: string };

/** The most of a receiver's answer that is read (and thrown away) before the connection is given up. */
const MAX_ANSWER_BYTES = 16_384;

/** The media type of a JWT (RFC 7519): the body is the compact JWS itself. */
export const NOTICE_MEDIA_TYPE = 'application/jwt';

/**
 * POSTs a signed notice to an agency's endpoint. One deadline covers connecting, sending
 * and reading the answer; redirects are not followed (the endpoint is the one in the
 * policy catalogue, nowhere else); at most 16 KiB of the answer is read, and only to
 * keep the connection reusable. Any 2xx is a delivery.
 */
export async function postNotice(url: string, jws: string, deadlineMs: number): Promise<PostOutcome> {
  const signal = AbortSignal.timeout(deadlineMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': NOTICE_MEDIA_TYPE, 'user-agent': 'vn-registry-gateway (change notices)' },
      body: jws,
      redirect: 'manual',
      signal,
    });
    await discard(res);
    if (res.status >= 200 && res.status < 300) return { delivered: true, status: res.status };
    if (res.status >= 300 && res.status < 400) return { delivered: false, failure: 'redirect', error: `HTTP ${res.status}: redirects are not followed` };
    return { delivered: false, failure: 'status', error: `HTTP ${res.status}` };
  } catch (err) {
    if (signal.aborted) return { delivered: false, failure: 'timeout', error: `no answer within ${deadlineMs} ms` };
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    return { delivered: false, failure: 'connection', error: typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? `connection failed (${code})` : 'connection failed' };
  }
}

/** Reads a bounded part of the answer, then lets the rest go. */
async function discard(res: Response): Promise<void> {
  const reader = res.body?.getReader();
  if (!reader) return;
  let read = 0;
  while (read <= MAX_ANSWER_BYTES) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel().catch(() => {});
}
