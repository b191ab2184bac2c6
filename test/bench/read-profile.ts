/**
 * Reads a V8 profile written under BENCH_PROFILE (measure.ts) in the terminal: the functions with the most
 * self time of a .cpuprofile, or the allocation sites holding the most memory of a .heapprofile (sampled
 * allocations still live when the process exited), grouped by function and file.
 *   npx tsx test/bench/read-profile.ts output/bench/profiles/CPU....cpuprofile [--top 25] [--by function|package|caller]
 * `--by package` sums self time per package (node_modules/<name>, services/<name>, node core); a native frame
 * (writev, Hmac, JSON.parse's helpers) counts for the package of the JavaScript that called it. `--by caller`
 * also counts node core's time for the package that called into it (kafkajs' socket writes, the ingest's HMAC);
 * what is left as node core ran with no package on the stack (the HTTP server's parsing and writes).
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../vitest.shared.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

function where(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, '');
  const shown = file.startsWith(repoRoot) ? relative(repoRoot, file) : file.replace(/.*node_modules\//, '');
  return `${frame.functionName || '(anonymous)'} ${shown || '(native)'}:${frame.lineNumber + 1}`;
}

/** The package a frame's code belongs to, or undefined for a native frame (no script). */
function packageOf(frame: CallFrame): string | undefined {
  const file = frame.url.replace(/^file:\/\//, '');
  if (file === '') return undefined;
  if (file.startsWith('node:')) return 'node core';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (inModules) return inModules[1];
  const inRepo = /(?:^|\/)(services|test|infra|schemas)\/([^/]+)/.exec(relative(repoRoot, file));
  return inRepo ? `${inRepo[1]}/${inRepo[2]}` : file;
}

/** Each node's parent, from the nodes' child lists. */
function parents(profile: CpuProfile): Map<number, CpuNode> {
  const parentOf = new Map<number, CpuNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  return parentOf;
}

/**
 * The package a node's self time counts for: its own, or for a native frame its nearest JavaScript caller's;
 * with `skipCore`, the nearest package above node core (node core only when nothing else is on the stack).
 * (idle), (garbage collector) and (program) have no caller and keep their names.
 */
function ownerOf(node: CpuNode, parentOf: Map<number, CpuNode>, skipCore: boolean): string {
  let owner: string | undefined;
  for (let at: CpuNode | undefined = node; at; at = parentOf.get(at.id)) {
    const found = packageOf(at.callFrame);
    if (found === undefined) continue;
    owner ??= found;
    if (!skipCore || found !== 'node core') return found;
  }
  return owner ?? node.callFrame.functionName;
}

function top(totals: Map<string, number>, count: number): Array<[string, number]> {
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, count);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, by: { type: 'string', default: 'function' } },
});
const count = Number(values.top);
const by = values.by;
if (by !== 'function' && by !== 'package' && by !== 'caller') {
  console.error(`--by ${by}: expected function, package or caller`);
  process.exit(2);
}
for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile | { head: HeapNode };
  const totals = new Map<string, number>();
  if ('nodes' in profile) {
    // Each sample is one tick of the sampling interval spent in that node (its self time).
    const msPerSample = (profile.endTime - profile.startTime) / 1_000 / Math.max(1, profile.samples.length);
    const parentOf = parents(profile);
    for (const node of profile.nodes) {
      const key = by === 'function' ? where(node.callFrame) : ownerOf(node, parentOf, by === 'caller');
      totals.set(key, (totals.get(key) ?? 0) + (node.hitCount ?? 0) * msPerSample);
    }
    const all = [...totals.values()].reduce((a, b) => a + b, 0);
    console.log(`${file}: ${Math.round(all)} ms sampled; self time`);
    for (const [key, ms] of top(totals, count))
      console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / all) * 100).toFixed(1).padStart(5)}%  ${key}`);
  } else {
    const visit = (node: HeapNode) => {
      const key = where(node.callFrame);
      totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
      for (const child of node.children) visit(child);
    };
    visit(profile.head);
    const all = [...totals.values()].reduce((a, b) => a + b, 0);
    console.log(`${file}: ${(all / 1_048_576).toFixed(1)} MB sampled live at exit; by allocation site`);
    for (const [key, bytes] of top(totals, count))
      console.log(
        `${(bytes / 1_048_576).toFixed(2).padStart(8)} MB ${((bytes / all) * 100).toFixed(1).padStart(5)}%  ${key}`,
      );
  }
}
