import { describe, expect, it } from 'vitest';
import { nonNumericFlags, rewriteUnknownArguments } from '../../src/cli/usage-message.js';

describe('usage messages say what the user typed', () => {
  it('lists each unknown flag once, spelled as typed, with its dashes', () => {
    expect(rewriteUnknownArguments('Unknown arguments: bogus-flag, bogusFlag', ['load', '--bogus-flag'])).toBe('Unknown argument: --bogus-flag');
    expect(rewriteUnknownArguments('Unknown argument: bogusFlag', ['load', '--bogusFlag'])).toBe('Unknown argument: --bogusFlag');
    expect(rewriteUnknownArguments('Unknown arguments: bogus-flag, bogusFlag, other_x, z', ['load', '--bogus-flag=1', '--other_x', '2', '-z'])).toBe(
      'Unknown arguments: --bogus-flag, --other_x, -z',
    );
    // Messages that are not about unknown flags pass through untouched.
    expect(rewriteUnknownArguments('Missing required argument: base', [])).toBe('Missing required argument: base');
  });

  it('names a number flag given text by the flag and the text, once for both of its spellings', () => {
    expect(
      nonNumericFlags({ rate: Number.NaN, connections: 10, 'room-pool': Number.NaN, roomPool: Number.NaN }, ['load', '--rate', 'abc', '--room-pool=lots']),
    ).toEqual(['--rate "abc"', '--room-pool "lots"']);
    expect(nonNumericFlags({ rate: 5, duration: '10s' }, ['load', '--rate', '5'])).toEqual([]);
  });
});
