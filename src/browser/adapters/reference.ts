import { defineAdapter, type PageAdapter } from './types.js';

const reason = (r: string) => `main#join[data-state="refused"][data-reason="${r}"]`;
const error = (r: string) => `main#join[data-state="error"][data-reason="${r}"]`;

/**
 * The reference join page's adapter, written against the public
 * `PageAdapter` interface like any user's: the name goes in the `name` query
 * parameter, and the page publishes its state on
 * `<main id="join" data-state data-reason>`, so selectors are all it needs.
 */
export const REFERENCE_ADAPTER: PageAdapter = defineAdapter({
  name: 'reference join page',
  url: (participant) => {
    const url = new URL(participant.joinUrl);
    url.searchParams.set('name', participant.name);
    return url.toString();
  },
  joined: { selector: 'main#join[data-state="joined"]' },
  refused: [
    { selector: reason('room_full'), label: 'room_full' },
    { selector: reason('room_closed'), label: 'room_closed' },
    // A URL that leads to no room, or a token the room does not accept: the link itself is broken.
    { selector: reason('room_not_found'), label: 'navigation_error' },
    { selector: reason('token_required'), label: 'navigation_error' },
    { selector: reason('token_invalid'), label: 'navigation_error' },
    { selector: error('media_denied'), label: 'media_denied' },
    { selector: error('signaling_closed'), label: 'signaling_closed' },
    { selector: 'main#join[data-state="error"]', label: 'signaling_closed' },
  ],
});
