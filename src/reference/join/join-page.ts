import { readFileSync } from 'node:fs';
import { RUNTIME_ASSETS } from '../../package-assets.js';
import type { JoinRefusalReason } from './signaling-protocol.js';
import { REFUSAL_MESSAGES } from './signaling-protocol.js';

/** Read once at startup: the page is self-contained, the script is inlined. */
const CLIENT_SCRIPT = readFileSync(RUNTIME_ASSETS.joinClient, 'utf8');

export type JoinPageView =
  /** The room exists and may be joined: the page's script takes over. */
  | { kind: 'room'; roomId: string; roomName: string; signalPath: string }
  /** Decided before any script runs (the room is unknown or closed). */
  | { kind: 'refused'; roomId: string; reason: JoinRefusalReason };

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; padding: 1rem; }
  main { max-width: 60rem; margin: 0 auto; }
  #status { font-size: 1.1rem; padding: .6rem .8rem; border-radius: .4rem; background: #8882; }
  main[data-state="refused"] #status, main[data-state="error"] #status { background: #d332; border: 1px solid #d33; }
  main[data-state="joined"] #status { background: #3a32; }
  #peers { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: .6rem; padding: 0; }
  figure { margin: 0; background: #000; border-radius: .4rem; overflow: hidden; }
  video { width: 100%; aspect-ratio: 4 / 3; display: block; background: #222; }
  figcaption { color: #fff; padding: .2rem .5rem; font-size: .9rem; }
`;

/** The complete HTML of a join page; no external resources. */
export function renderJoinPage(view: JoinPageView): string {
  const title = view.kind === 'room' ? `Join ${view.roomName}` : 'Cannot join this room';
  const state = view.kind === 'room' ? 'joining' : 'refused';
  const reasonAttribute = view.kind === 'refused' ? ` data-reason="${view.reason}"` : '';
  const statusText = view.kind === 'room' ? 'Loading…' : REFUSAL_MESSAGES[view.reason];
  const script =
    view.kind === 'room'
      ? `<script type="application/json" id="join-config">${jsonForScript({ roomId: view.roomId, signalPath: view.signalPath })}</script>\n<script>${CLIENT_SCRIPT}</script>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="join" data-state="${state}"${reasonAttribute} data-room-id="${escapeHtml(view.roomId)}">
<h1>${escapeHtml(title)}</h1>
<p id="status" role="status" aria-live="polite">${escapeHtml(statusText)}</p>
<button id="leave" type="button" hidden>Leave the room</button>
<section id="peers" aria-label="Other participants"></section>
</main>
${script}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a <script> element must not be able to close it. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
