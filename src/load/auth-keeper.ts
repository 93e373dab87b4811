import type { Authenticator } from '../profile/auth/authenticator.js';

/**
 * Keeps the profile's auth headers ready for the timed path. They are taken
 * once before the run and renewed in the background through the
 * Authenticator (whose token cache fetches or mints a fresh token before the
 * old one expires), so no timed request ever waits for a token endpoint or a
 * JWT signature, as VideoConnect's own guide asks of clients.
 */
export class AuthKeeper {
  private headers: Record<string, string> = {};
  private fingerprint = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((headers: Record<string, string>) => void)[] = [];

  constructor(
    private readonly auth: Authenticator,
    /** How often to ask; the authenticator only calls the target (or signs) when the token nears expiry. */
    private readonly checkEveryMs = 15_000,
  ) {}

  async start(signal?: AbortSignal): Promise<void> {
    this.update(await this.auth.headers(signal));
    this.timer = setInterval(() => {
      this.auth.headers().then(
        (headers) => this.update(headers),
        // A failed refresh keeps the current headers; a 401 on the timed path would show it.
        () => undefined,
      );
    }, this.checkEveryMs);
    this.timer.unref();
  }

  /** Called with the current headers now (once started) and whenever they change. */
  onChange(listener: (headers: Record<string, string>) => void): void {
    this.listeners.push(listener);
    if (this.fingerprint !== '') listener(this.headers);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private update(headers: Record<string, string>): void {
    const fingerprint = JSON.stringify(Object.entries(headers).sort(([a], [b]) => a.localeCompare(b)));
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.headers = headers;
    for (const listener of this.listeners) listener(headers);
  }
}
