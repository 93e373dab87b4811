import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate, type Zlib } from 'node:zlib';
import { formatBytes } from '../format-bytes.js';

/**
 * Reading a response body from a target roomgate does not trust, within
 * bounds it cannot talk its way past:
 *
 * - a byte cap (default DEFAULT_MAX_BODY_BYTES), checked against
 *   Content-Length before reading and counted while reading, so a 200 MB
 *   body costs the cap, not 200 MB;
 * - bounded decompression of `Content-Encoding` (gzip, deflate, br, and
 *   stacks of them) through node:zlib streams whose output is counted as it
 *   comes (zlib's `maxOutputLength` only guards its one-shot functions), so a
 *   1 MB gzip bomb stops at the cap instead of inflating to gigabytes;
 * - a deadline on the whole body (total time, not idle time: a target that
 *   drips a byte a second never trips undici's per-chunk bodyTimeout);
 * - an AbortSignal (SIGINT, a step's deadline) that ends the read at once.
 *
 * Failures are values (BodyReadFailure), never hangs or crashes; each message
 * names the operation when the caller gives one. Low level on purpose: it
 * imports nothing of roomgate's but a formatter, so the contract gate, the
 * load step's setup, the typed client and a relay in front of the Pact
 * verifier can all use it.
 */

/** Default cap: far above any VideoConnect answer (a page of 100 rooms is ~40 KB), far below what hurts. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Decoded bytes per encoded byte above which an over-cap body is called a
 * decompression bomb rather than merely large: JSON compresses about 5–20:1,
 * a bomb of zeros or spaces about 1000:1.
 */
export const BOMB_RATIO = 100;

/** Content codings decoded; more stacked codings than this are refused (each stage is a zlib stream). */
const MAX_STACKED_CODINGS = 3;

/** setTimeout fires at once for delays above 2^31−1 ms (about 24.8 days): clamp, do not wrap. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface BoundedBodyOptions {
  /** Largest body kept, in bytes, after decoding (and largest encoded body read); default DEFAULT_MAX_BODY_BYTES. */
  maxBytes?: number;
  /** Time for the whole body, from the call; default none (give one: it is what ends a drip). */
  deadlineMs?: number;
  /** Ends the read at once (its reason is kept). A TimeoutError reason (AbortSignal.timeout) counts as `timeout`. */
  signal?: AbortSignal;
  /** What the response answers, e.g. `create_room`, `POST /v1/rooms`; messages start with it. */
  operation?: string;
  /** Decode Content-Encoding; default true. false returns the bytes as sent (still capped). */
  decode?: boolean;
}

/** The response to read from: undici's `request()` result (Dispatcher.ResponseData) fits. */
export interface BoundedBodySource {
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export type BodyReadFailure =
  | {
      kind: 'too-large';
      /** The cap. */
      limitBytes: number;
      /** Bytes read (decoded) before stopping; 0 when Content-Length alone was over the cap. */
      readBytes: number;
      /** Content-Length, when the target declared one. */
      declaredBytes?: number;
      message: string;
    }
  | {
      kind: 'decompression-bomb';
      limitBytes: number;
      /** Encoded bytes the decoder had consumed when its output passed the cap. */
      encodedBytes: number;
      /** Decoded bytes produced by then (just over the cap: nothing more was inflated). */
      decodedBytes: number;
      encoding: string;
      message: string;
    }
  | { kind: 'timeout'; deadlineMs: number | undefined; readBytes: number; message: string }
  | { kind: 'aborted'; reason: unknown; readBytes: number; message: string }
  | { kind: 'bad-encoding'; encoding: string; message: string }
  | { kind: 'connection'; readBytes: number; message: string };

export type BodyReadFailureKind = BodyReadFailure['kind'];

export type BodyReadResult =
  | {
      ok: true;
      /** The body, decoded. */
      bytes: Buffer;
      /** Bytes as they came off the wire (before decoding). */
      encodedBytes: number;
      /** Content codings decoded, in the order they were applied by the sender. */
      encodings: string[];
    }
  | {
      ok: false;
      failure: BodyReadFailure;
      /** What was read before the failure (decoded, at most the cap): evidence, never a whole body. */
      partial: Buffer;
    };

/** A failed read as an exception, for callers that treat any failure as fatal to their operation. */
export class BodyReadError extends Error {
  constructor(readonly failure: BodyReadFailure) {
    super(failure.message);
    this.name = 'BodyReadError';
  }
}

/** The bytes of a successful read, or a BodyReadError. */
export function bodyOrThrow(result: BodyReadResult): Buffer {
  if (result.ok) return result.bytes;
  throw new BodyReadError(result.failure);
}

/** Thrown inside the pipeline when a count passes the cap; turned into a failure below. */
class OverCap extends Error {
  constructor(readonly stage: 'encoded' | 'decoded') {
    super(`over the cap (${stage})`);
  }
}

export async function readBoundedBody(response: BoundedBodySource, options: BoundedBodyOptions = {}): Promise<BodyReadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const what = options.operation === undefined ? 'the response body' : `${options.operation}: the response body`;
  const { body } = response;
  const chunks: Buffer[] = [];
  let kept = 0;
  let decoded = 0;
  let encoded = 0;
  const partial = () => Buffer.concat(chunks, kept);
  const fail = (failure: BodyReadFailure): BodyReadResult => {
    // Never leave a hostile body streaming into a socket nobody reads (undici then closes the connection).
    // undici's body emits an AbortError when destroyed unread: expected here, so it must not go unhandled.
    body.on('error', () => undefined);
    body.destroy();
    return { ok: false, failure, partial: partial() };
  };

  if (options.signal?.aborted === true) return fail(abortedFailure(what, options.signal.reason, 0, options.deadlineMs));
  const declared = contentLength(response.headers);
  if (declared !== undefined && declared > maxBytes) {
    return fail({
      kind: 'too-large',
      limitBytes: maxBytes,
      readBytes: 0,
      declaredBytes: declared,
      message: `${what} is ${formatBytes(declared)} (Content-Length), over the ${formatBytes(maxBytes)} cap; it was not read`,
    });
  }
  const encodings = options.decode === false ? [] : contentCodings(response.headers);
  if (encodings.length > MAX_STACKED_CODINGS) {
    return fail({
      kind: 'bad-encoding',
      encoding: encodings.join(', '),
      message: `${what} has ${encodings.length} stacked content codings (${encodings.join(', ')}); at most ${MAX_STACKED_CODINGS} are decoded`,
    });
  }
  const decoders: Decoder[] = [];
  // The sender applied them in the listed order; undo them last to first.
  for (const encoding of [...encodings].reverse()) {
    const decoder = decoderFor(encoding);
    if (decoder === undefined) {
      for (const made of decoders) made.destroy();
      return fail({ kind: 'bad-encoding', encoding, message: `${what} uses Content-Encoding "${encoding}", which roomgate cannot decode (gzip, deflate, br)` });
    }
    decoders.push(decoder);
  }

  // One controller for both ends: the deadline and the caller's signal. `why` says which fired first.
  const stop = new AbortController();
  let why: 'deadline' | 'signal' | undefined;
  const onSignal = () => {
    why ??= 'signal';
    stop.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const timer =
    options.deadlineMs === undefined
      ? undefined
      : setTimeout(
          () => {
            why ??= 'deadline';
            stop.abort(new Error('deadline'));
          },
          Math.min(Math.max(0, options.deadlineMs), MAX_TIMER_MS),
        );

  const countEncoded = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      encoded += chunk.length;
      // An encoded body over the cap cannot decode to less than the cap in any sane coding.
      if (encodings.length > 0 && encoded > maxBytes) throw new OverCap('encoded');
      yield chunk;
    }
  };
  const keep = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      decoded += chunk.length;
      const room = maxBytes - kept;
      if (chunk.length > room) {
        if (room > 0) chunks.push(chunk.subarray(0, room));
        kept = maxBytes;
        throw new OverCap('decoded');
      }
      chunks.push(chunk);
      kept += chunk.length;
    }
  };

  try {
    const bounds = { signal: stop.signal };
    // One call per number of stages: pipeline's typings are per arity (no typed spread).
    const [first, second, third] = decoders;
    if (first === undefined) await pipeline(body, countEncoded, keep, bounds);
    else if (second === undefined) await pipeline(body, countEncoded, first, keep, bounds);
    else if (third === undefined) await pipeline(body, countEncoded, first, second, keep, bounds);
    else await pipeline(body, countEncoded, first, second, third, keep, bounds);
    return { ok: true, bytes: partial(), encodedBytes: encoded, encodings };
  } catch (error) {
    if (why === 'deadline') {
      return fail({
        kind: 'timeout',
        deadlineMs: options.deadlineMs,
        readBytes: kept,
        message: `${what} did not finish within ${formatMs(options.deadlineMs ?? 0)} (${formatBytes(kept)} read); the target kept the response open`,
      });
    }
    if (why === 'signal') return fail(abortedFailure(what, options.signal?.reason, kept, options.deadlineMs));
    if (error instanceof OverCap) {
      const encoding = encodings.join(', ');
      // What the first decoder actually inflated from (zlib's bytesWritten), not what the
      // pipeline had read ahead into its buffers: the ratio of a bomb, not of buffering.
      const consumed = decoders[0]?.bytesWritten ?? encoded;
      if (encodings.length > 0 && error.stage === 'decoded' && decoded > BOMB_RATIO * Math.max(consumed, 1)) {
        return fail({
          kind: 'decompression-bomb',
          limitBytes: maxBytes,
          encodedBytes: consumed,
          decodedBytes: decoded,
          encoding,
          message: `${what} is a decompression bomb: ${formatBytes(consumed)} of ${encoding} inflated past the ${formatBytes(maxBytes)} cap (over ${BOMB_RATIO}:1); inflating stopped there`,
        });
      }
      return fail({
        kind: 'too-large',
        limitBytes: maxBytes,
        readBytes: kept,
        ...(declared === undefined ? {} : { declaredBytes: declared }),
        message: `${what} passed the ${formatBytes(maxBytes)} cap${encoding === '' ? '' : ` (${error.stage === 'encoded' ? 'as sent' : 'decoded'}, ${encoding})`}; reading stopped there`,
      });
    }
    if (isDecodeError(error)) {
      return fail({
        kind: 'bad-encoding',
        encoding: encodings.join(', '),
        message: `${what} is not valid ${encodings.join(', ')} data: ${(error as Error).message}`,
      });
    }
    return fail({ kind: 'connection', readBytes: kept, message: `${what} was cut off after ${formatBytes(kept)}: ${describeError(error)}` });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onSignal);
  }
}

function abortedFailure(what: string, reason: unknown, readBytes: number, deadlineMs: number | undefined): BodyReadFailure {
  // AbortSignal.timeout() aborts with a DOMException named TimeoutError: that is a deadline, not an interruption.
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return { kind: 'timeout', deadlineMs, readBytes, message: `${what} did not finish before the request's deadline (${formatBytes(readBytes)} read)` };
  }
  const why = reason instanceof Error && reason.message !== '' ? `: ${reason.message}` : '';
  return { kind: 'aborted', reason, readBytes, message: `${what} was not read to the end: the read was cancelled${why}` };
}

/** A zlib stream: a Transform that counts the bytes it consumed. */
type Decoder = Transform & Pick<Zlib, 'bytesWritten'>;

function decoderFor(encoding: string): Decoder | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** `Content-Encoding: gzip, br` → ['gzip', 'br'] (identity dropped). */
function contentCodings(headers: BoundedBodySource['headers']): string[] {
  const value = headers['content-encoding'];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

function contentLength(headers: BoundedBodySource['headers']): number | undefined {
  const value = headers['content-length'];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/** zlib's errors for data that is not what its coding says: Z_DATA_ERROR, Z_BUF_ERROR, and brotli's ERR__ERROR_FORMAT_…. */
function isDecodeError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_'));
}

function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

function formatMs(ms: number): string {
  // A deadline left over from a request's own (performance.now() arithmetic) is fractional: whole ms are enough.
  return ms >= 1000 ? `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
