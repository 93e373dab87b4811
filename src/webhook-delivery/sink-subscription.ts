import { ConfigError } from '../errors.js';
import type { ProfileClient } from '../profile/profile-client.js';
import type { TargetProfile, WebhookSignature } from '../profile/types.js';
import { isLoopback } from '../target/target.js';
import { WebhookSink, type WebhookSinkOptions } from '../target/webhook-sink.js';

/** The sink listening, and how the target was told about it. */
export interface SinkSubscription {
  kind: 'api' | 'out-of-band';
  sink: WebhookSink;
  /** Where the target delivers: the sink's own URL, or the out-of-band URL (a tunnel's, say). */
  url: string;
  signature: WebhookSignature;
  /** The signing secret, when one is known (never written anywhere). */
  secret: string | undefined;
  /** Remove the API subscription (once) and stop listening. */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** What the sink answers each delivery, and where each one goes. */
  receive: Pick<WebhookSinkOptions, 'answer' | 'onDelivery'>;
  /** Out of band: the loopback port to listen on, when the configured URL is not itself on loopback. */
  listenPort?: number | undefined;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
}

/**
 * Start the loopback sink and make the target deliver to it, the way the
 * target profile says (rooms.webhooks): through the API (`subscribe`, with
 * `{{sink.url}}`; the answer may carry the signing secret), or out of band,
 * where the vendor's console already points at a URL and the secret is in an
 * environment variable the profile names.
 */
export async function subscribeSink(profile: TargetProfile, client: ProfileClient, options: SubscribeOptions): Promise<SinkSubscription> {
  const webhooks = profile.rooms.webhooks;
  if (webhooks === undefined) {
    throw new ConfigError(`the target profile ${profile.name} says nothing about webhooks, so the sink cannot be subscribed`, {
      ...(profile.file === undefined ? {} : { file: profile.file }),
      path: 'rooms.webhooks',
      hint: 'add rooms.webhooks (subscribe through the API, or outOfBand: { url: ENV_VAR, secret: ENV_VAR }) — see docs/profiles.md',
    });
  }
  if (webhooks.kind === 'api') {
    const sink = new WebhookSink({ keep: false, ...options.receive });
    await sink.start();
    let subscription: { id: string; secret?: string };
    try {
      subscription = await client.subscribeWebhooks(sink.url, { signal: options.signal });
    } catch (error) {
      await sink.close();
      throw error;
    }
    let closing: Promise<void> | undefined;
    return {
      kind: 'api',
      sink,
      url: sink.url,
      signature: webhooks.signature,
      secret: subscription.secret,
      close: () =>
        (closing ??= (async () => {
          // A subscription left behind would keep the target calling a closed port.
          if (webhooks.unsubscribe !== undefined)
            await client.unsubscribeWebhooks(subscription.id, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
          await sink.close();
        })()),
    };
  }

  const where = { ...(profile.file === undefined ? {} : { file: profile.file }) };
  const url = options.env[webhooks.urlVar];
  if (url === undefined || url === '') {
    throw new ConfigError(`rooms.webhooks.outOfBand.url names the environment variable ${webhooks.urlVar}, which is not set`, {
      ...where,
      path: 'rooms.webhooks.outOfBand.url',
      hint: `export ${webhooks.urlVar}=<the URL the vendor delivers to> (it must reach 127.0.0.1 on this machine, e.g. through a tunnel)`,
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${webhooks.urlVar} is not a URL`, { ...where, path: 'rooms.webhooks.outOfBand.url', hint: 'e.g. http://127.0.0.1:8787/hooks' });
  }
  const port = options.listenPort ?? (isLoopback(url) && parsed.port !== '' ? Number(parsed.port) : undefined);
  if (port === undefined) {
    throw new ConfigError(`${webhooks.urlVar} (${parsed.origin}) is not a loopback URL with a port, so the sink does not know where to listen`, {
      path: 'listenPort',
      hint: 'set the webhook-sink option listenPort to the local port your tunnel forwards to',
    });
  }
  const secret = webhooks.secretVar === undefined ? undefined : options.env[webhooks.secretVar];
  const sink = new WebhookSink({ keep: false, ...options.receive, port, path: parsed.pathname });
  await sink.start();
  return { kind: 'out-of-band', sink, url, signature: webhooks.signature, secret: secret === '' ? undefined : secret, close: () => sink.close() };
}
