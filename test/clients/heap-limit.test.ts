import { describe, expect, it } from 'vitest';
import { oldSpaceLimitBytes } from '../../clients/heap-limit.js';

const MIB = 1024 * 1024;

describe('The old space limit the memory budgets are taken from', () => {
  // V8's heap limit counts the young generation too: 320 MiB beside a 128 MiB old space on Node 24.
  it('is the --max-old-space-size given, not V8 heap limit, which also counts the young generation', () => {
    expect(oldSpaceLimitBytes([], '--max-old-space-size=128', 320 * MIB)).toBe(128 * MIB);
    expect(oldSpaceLimitBytes(['--max-old-space-size=256'], undefined, 432 * MIB)).toBe(256 * MIB);
    expect(oldSpaceLimitBytes([], '--enable-source-maps --max_old_space_size 96', 288 * MIB)).toBe(96 * MIB);
  });

  it('takes NODE_OPTIONS over the command line, and the last of several, as Node does', () => {
    expect(oldSpaceLimitBytes(['--max-old-space-size=512'], '--max-old-space-size=128', 4096 * MIB)).toBe(128 * MIB);
    expect(oldSpaceLimitBytes([], '--max-old-space-size=64 --max-old-space-size=200', 4096 * MIB)).toBe(200 * MIB);
  });

  it("is V8's heap limit when no size is given, or a given one is not a size", () => {
    expect(oldSpaceLimitBytes([], undefined, 4144 * MIB)).toBe(4144 * MIB);
    expect(oldSpaceLimitBytes(['--inspect'], '--max-old-space-size=0', 4144 * MIB)).toBe(4144 * MIB);
  });

  // Node 24's flag for containers: a share of the memory available, which Node then uses instead of any size given.
  it('is the share --max-old-space-size-percentage gives of the memory available, over a size given beside it', () => {
    expect(oldSpaceLimitBytes([], '--max-old-space-size-percentage=75', 4096 * MIB, 256 * MIB)).toBe(192 * MIB);
    expect(oldSpaceLimitBytes(['--max-old-space-size-percentage=50'], '--max-old-space-size=512', 4096 * MIB, 1000 * MIB)).toBe(500 * MIB);
    expect(oldSpaceLimitBytes([], '--max-old-space-size-percentage=12.5', 4096 * MIB, 1024 * MIB)).toBe(128 * MIB);
    // Not a percentage Node accepts: the size given, as without it.
    expect(oldSpaceLimitBytes([], '--max-old-space-size-percentage=0 --max-old-space-size=96', 4096 * MIB, 1024 * MIB)).toBe(96 * MIB);
  });

  it('agrees with the running process', () => {
    expect(oldSpaceLimitBytes()).toBeGreaterThan(0);
  });
});
