import { describe, expect, it } from 'vitest';
import { joinUrlProblem } from '../../src/browser/participant/participant.js';
import { HOSTILE_JOIN_URLS } from '../fixtures/hostile/index.js';

describe('the join URL guard', () => {
  it('opens http and https join pages', () => {
    expect(joinUrlProblem('http://127.0.0.1:4010/join/rm_x?token=t')).toBeUndefined();
    expect(joinUrlProblem('https://meet.example.com/rm_x')).toBeUndefined();
  });

  it.each(Object.entries(HOSTILE_JOIN_URLS))('refuses a %s: URL, naming its scheme', (kind, url) => {
    expect(joinUrlProblem(url)).toBe(`the join URL has the scheme ${kind}: (only http and https are opened); it was not opened`);
  });

  it('refuses what is not a URL at all', () => {
    expect(joinUrlProblem('/join/rm_x')).toMatch(/^the join URL is not a URL \("\/join\/rm_x"\); it was not opened$/);
  });
});
