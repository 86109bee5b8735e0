/** Finished spans as an indented tree of names, for printing (and for the test to compare). */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** One line per span, children under their parent (by start time), roots being spans whose parent is not given. */
export function spanTree(spans: readonly ReadableSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const byStart = [...spans].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  const childrenOf = (parentId: string | undefined) =>
    byStart.filter((s) => {
      const parent = s.parentSpanContext?.spanId;
      return parentId === undefined ? parent === undefined || !ids.has(parent) : parent === parentId;
    });
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${span.name}`);
    for (const child of childrenOf(span.spanContext().spanId)) walk(child, depth + 1);
  };
  for (const root of childrenOf(undefined)) walk(root, 0);
  return lines;
}
