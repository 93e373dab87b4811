import type { VideoConnectClient } from '../target/client.js';

/**
 * Keeps a bearer token ready for the timed path. The token is fetched once
 * before the run and refreshed in the background through the client's
 * TokenCache (which renews before expiry), so no timed request ever waits for
 * `POST /v1/auth/token`, as the API's own guide asks.
 */
export class TokenKeeper {
  private token = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((authorization: string) => void)[] = [];

  constructor(
    private readonly client: VideoConnectClient,
    /** How often to ask the cache; it only calls the target when the token nears expiry. */
    private readonly checkEveryMs = 15_000,
  ) {}

  async start(signal?: AbortSignal): Promise<void> {
    this.token = await this.client.accessToken(signal);
    this.notify();
    this.timer = setInterval(() => {
      this.client.accessToken().then(
        (token) => {
          if (token !== this.token) {
            this.token = token;
            this.notify();
          }
        },
        // A failed refresh keeps the current token; a 401 on the timed path would show it.
        () => undefined,
      );
    }, this.checkEveryMs);
    this.timer.unref();
  }

  /** `Bearer …`, the current value of the Authorization header. */
  get authorization(): string {
    return `Bearer ${this.token}`;
  }

  /** Called with the new Authorization value whenever the token changes. */
  onChange(listener: (authorization: string) => void): void {
    this.listeners.push(listener);
    if (this.token !== '') listener(this.authorization);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.authorization);
  }
}
