import { timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** What the sink concludes about one delivery's Standard Webhooks headers. */
export interface SignatureVerdict {
  /** `missing`: no webhook-id, webhook-timestamp or webhook-signature header. */
  signature: 'valid' | 'invalid' | 'missing';
  /** `stale`: further than the tolerance from the sink's clock (either way); `missing`: absent or not a number. */
  timestamp: 'fresh' | 'stale' | 'missing';
  /** Why, for the report's examples. */
  detail?: string;
}

/**
 * Standard Webhooks verification of deliveries, through the `standardwebhooks`
 * package (the one the reference server signs with). Signature and timestamp
 * are judged apart, because a run counts them apart: `verify()` stops at a
 * timestamp outside its fixed five-minute window before it looks at the
 * signature, so for such a delivery the signature is recomputed with the
 * package's `sign()` over the delivery's own id and timestamp and compared in
 * constant time (splitting the header's space-separated `v1,<sig>` list is
 * the only hand-written part).
 */
export class SignatureJudge {
  private readonly webhook: Webhook;

  constructor(
    secret: string,
    private readonly toleranceMs: number,
  ) {
    this.webhook = new Webhook(secret);
  }

  judge(body: string, headers: Readonly<Record<string, string>>, receivedAtMs: number): SignatureVerdict {
    const id = headers['webhook-id'];
    const timestampText = headers['webhook-timestamp'];
    const signature = headers['webhook-signature'];
    const seconds = timestampText === undefined || !/^\d+$/.test(timestampText) ? undefined : Number(timestampText);
    const timestamp = seconds === undefined ? 'missing' : Math.abs(receivedAtMs - seconds * 1000) > this.toleranceMs ? 'stale' : 'fresh';
    if (id === undefined || signature === undefined || seconds === undefined) {
      return { signature: 'missing', timestamp, detail: 'no webhook-id, webhook-timestamp or webhook-signature header' };
    }
    try {
      this.webhook.verify(body, { 'webhook-id': id, 'webhook-timestamp': timestampText!, 'webhook-signature': signature }, { jsonParse: false });
      return { signature: 'valid', timestamp };
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      if (error.message === 'No matching signature found')
        return { signature: 'invalid', timestamp, detail: 'no v1 signature matches the body with the subscription secret' };
    }
    // verify() refused the timestamp (its own fixed window) before judging the signature.
    const expected = Buffer.from(this.webhook.sign(id, new Date(seconds * 1000), body).slice('v1,'.length));
    const matches = signature.split(' ').some((entry) => {
      const [version, value] = entry.split(',', 2);
      if (version !== 'v1' || value === undefined) return false;
      const given = Buffer.from(value);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    return matches
      ? { signature: 'valid', timestamp }
      : { signature: 'invalid', timestamp, detail: 'no v1 signature matches the body with the subscription secret' };
  }
}
