import { Webhook } from 'standardwebhooks';

/** Signs one attempt of a message: the value of the `webhook-signature` header. */
export type SignAttempt = (messageId: string, timestamp: Date, body: string) => string;

/**
 * Standard Webhooks signing (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`)
 * with the subscription's `whsec_` secret, through the `standardwebhooks`
 * package so the reference server signs exactly as receivers verify.
 *
 * The `webhook-signature` fault reproduces a real integration bug: the sender
 * signs a re-serialized (pretty-printed) body instead of the bytes it sends,
 * so every receiver's verification fails although the header looks right.
 */
export function createSigner(secret: string, signWrongContent: boolean): SignAttempt {
  const webhook = new Webhook(secret);
  if (!signWrongContent) return (messageId, timestamp, body) => webhook.sign(messageId, timestamp, body);
  return (messageId, timestamp, body) => webhook.sign(messageId, timestamp, JSON.stringify(JSON.parse(body), null, 2));
}
