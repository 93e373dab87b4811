/**
 * Adapter for the stock Janus VideoRoom demo page (`videoroomtest.html` from
 * janus-demos), driven exactly as a person would: press Start, type a display
 * name, press "Join the room". The page is not edited; it is pointed at the
 * Janus under test by pinning the globals its `settings.js` would set
 * (`server`, `iceServers`, and `token`/`apisecret`, which Debian's demo
 * script reads but its settings file never declares). Rooms are created and
 * destroyed through Janus's own VideoRoom API.
 *
 * Scenario use:
 *   adapter:
 *     module: ../src/browser/adapters/janus-videoroom.ts
 *     options: { janus: "${JANUS_URL}", server: "${JANUS_WS_URL}", demos: "${JANUS_DEMOS_URL}" }
 */
import { ConfigError } from '../../errors.js';
import { JanusVideoRoomApi } from './janus/videoroom-api.js';
import { defineAdapter, type PageAdapter, type ParticipantInfo } from './types.js';

export interface JanusVideoRoomOptions {
  /** Janus HTTP API base for room management, e.g. http://127.0.0.1:8088/janus. Env: JANUS_URL. */
  janus?: string;
  /** What the page connects to (WebSocket or HTTP API URL). Env: JANUS_WS_URL; default: `janus`. */
  server?: string;
  /** Base URL where janus-demos is served (videoroomtest.html is under it). Env: JANUS_DEMOS_URL. */
  demos?: string;
  /** Janus API secret, if the server requires one. */
  apiSecret?: string;
  /**
   * Publisher slots per room when the step gives no `maxParticipants`.
   * Default 6: the demo page shows at most 5 remote feeds.
   */
  publishers?: number;
  /** Publisher bitrate cap, bit/s. Default 128000 (the demo room's). */
  bitrate?: number;
}

/** Text of the demo's bootbox alert (how the page shows every error) matching a pattern. */
const alertSays = (pattern: string) =>
  `(() => { const b = document.querySelector('.bootbox-body'); return b !== null && /${pattern}/i.test(b.textContent || ''); })()`;

/** The demo accepts only letters and digits as a display name. */
const displayName = (p: ParticipantInfo) => p.name.replace(/[^a-zA-Z0-9]/g, '') || `p${p.index + 1}`;

export function janusVideoRoomAdapter(options: JanusVideoRoomOptions = {}): PageAdapter {
  const env = process.env;
  const janus = options.janus || env['JANUS_URL'];
  const demos = options.demos || env['JANUS_DEMOS_URL'];
  const server = options.server || env['JANUS_WS_URL'] || janus;
  const hint = 'start a local Janus with `npx tsx test/helpers/janus.ts` and export the three variables it prints';
  if (!janus) throw new ConfigError('the Janus adapter needs the Janus HTTP API URL (options.janus or JANUS_URL)', { hint });
  if (!demos) throw new ConfigError('the Janus adapter needs the URL the janus-demos pages are served from (options.demos or JANUS_DEMOS_URL)', { hint });
  const api = new JanusVideoRoomApi(janus, options.apiSecret);
  const page = new URL('videoroomtest.html', demos.endsWith('/') ? demos : `${demos}/`);
  const settings = { server, iceServers: [], token: null, apisecret: options.apiSecret ?? null };

  return defineAdapter({
    name: 'janus videoroom demo',
    // The page's own origin is the demos server; it signals to Janus on another port.
    loopbackUrls: server === undefined ? [] : [server],
    async createRoom(request) {
      const room = await api.createRoom(
        {
          description: request.name,
          publishers: request.maxParticipants ?? options.publishers ?? 6,
          bitrate: options.bitrate ?? 128_000,
        },
        request.signal,
      );
      const url = new URL(page);
      url.searchParams.set('room', String(room));
      return { id: String(room), joinUrl: url.toString() };
    },
    async deleteRoom(room) {
      await api.destroyRoom(Number(room.id));
    },
    // Pinned as non-writable globals before settings.js runs: its `var server = ...` then leaves them alone.
    beforeLoad: () =>
      `(() => { const s = ${JSON.stringify(settings)};
        for (const key of Object.keys(s)) Object.defineProperty(window, key, { value: s[key], writable: false, configurable: false }); })();`,
    async join(tab, participant, { deadline }) {
      const timeout = () => Math.max(1, deadline - Date.now());
      // Start's click handler is bound only once janus.js finished Janus.init.
      await tab.waitForFunction('window.Janus !== undefined && window.Janus.initDone === true', { polling: 50, timeout: timeout() });
      await tab.locator('#start').setTimeout(timeout()).click();
      await tab.locator('#username').setTimeout(timeout()).fill(displayName(participant));
      await tab.locator('#register').setTimeout(timeout()).click();
    },
    // The demo's own globals: `myid` is set when the VideoRoom answers "joined",
    // `feedStreams[myid]` when it accepted our published feed ("configured").
    // A publisher counts as in the room once both hold.
    joined: { expression: 'typeof window.myid === "number" && window.feedStreams !== undefined && window.feedStreams[window.myid] !== undefined' },
    refused: [
      { expression: alertSays('Maximum number of publishers'), label: 'room_full' },
      { expression: alertSays('does not exist|No such room'), label: 'navigation_error' },
      { expression: alertSays('server down|Lost connection'), label: 'signaling_closed' },
    ],
    async leave(tab) {
      // "Stop" (the Start button, relabelled) destroys the Janus session, which frees the publisher slot at once.
      await tab.locator('#start').setTimeout(2000).click();
    },
  });
}

export default defineAdapter((options: Record<string, unknown>) => janusVideoRoomAdapter(options as JanusVideoRoomOptions));
