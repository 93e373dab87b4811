import { browserRenderer } from './browser.js';
import { gateRenderer } from './contract.js';
import { incidentRenderer } from './incident.js';
import type { KindRenderers } from './kind-renderer.js';
import { loadRenderer } from './load.js';
import { webhookSinkRenderer } from './webhook-sink.js';

/** Each step kind's console renderer: every command's console uses all of them. */
export const CONSOLE_RENDERERS: KindRenderers = {
  contract: gateRenderer,
  pact: gateRenderer,
  webhooks: gateRenderer,
  load: loadRenderer,
  browser: browserRenderer,
  'webhook-sink': webhookSinkRenderer,
  incident: incidentRenderer,
};
