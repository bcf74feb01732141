/** src/platform/v8-version.ts: reading V8 versions and comparing them. */
import { describe, expect, it } from 'vitest';
import { parseV8Version, v8Older } from '../../src/platform/v8-version.js';

describe('parseV8Version', () => {
  it.each([
    ['12.4.254.21-node.57', [12, 4]],
    ['13.6.233.17-node.63', [13, 6]],
    ['13.6', [13, 6]],
    ['15.10.1', [15, 10]],
  ])('%s → %j', (version, parsed) => {
    expect(parseV8Version(version)).toEqual(parsed);
  });

  it.each(['', 'unknown', '13', '13.', 'v13.6', '13.x.1', ' 13.6'])('%j is not a version', (version) => {
    expect(parseV8Version(version)).toBeNull();
  });
});

describe('v8Older', () => {
  it('compares the major version first, then the minor', () => {
    expect(v8Older('12.9.202.28-node.14', [13, 6])).toBe(true);
    expect(v8Older('13.5.1', [13, 6])).toBe(true);
    expect(v8Older('13.6.0', [13, 6])).toBe(false);
    expect(v8Older('13.10.0', [13, 6])).toBe(false); // 10 > 6 as numbers, not as text
    expect(v8Older('14.0.0', [13, 6])).toBe(false);
  });

  it('is null for what is not a version, so callers choose what an unknown engine gets', () => {
    expect(v8Older('unknown', [13, 6])).toBeNull();
  });
});
