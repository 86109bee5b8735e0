import { SourceMapper } from '../src/stack-traces';

test('maps generated positions back through VLQ mappings', () => {
  // Line 1: col 0 -> a.ts 1:0, col 4 -> a.ts 1:6 (name 0); line 2: col 2 -> b.ts 3:4.
  const mapper = new SourceMapper({
    version: 3,
    sources: ['/abs/a.ts', '/abs/b.ts'],
    names: ['fn'],
    mappings: 'AAAA,IAAMA;ECEF',
  });
  expect(mapper.originalPosition(1, 1)).toEqual({ source: '/abs/a.ts', line: 1, column: 1, name: undefined });
  expect(mapper.originalPosition(1, 6)).toEqual({ source: '/abs/a.ts', line: 1, column: 7, name: 'fn' });
  expect(mapper.originalPosition(2, 3)).toEqual({ source: '/abs/b.ts', line: 3, column: 5, name: undefined });
  expect(mapper.originalPosition(5, 1)).toBeUndefined();
});
