import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';

describe('Generated resolver types', () => {
  it('match the SDL: a stale src/generated file fails here (run `npm run codegen`)', async () => {
    const outputs = (await generate({ ...config, cwd: process.cwd() }, false)) as { filename: string; content: string }[];
    expect(outputs.length).toBe(3);
    for (const { filename, content } of outputs) {
      const committed = readFileSync(filename, 'utf8');
      expect(committed, `${filename} is stale: run npm run codegen`).toBe(content);
    }
  });
});
