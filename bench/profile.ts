/**
 * CPU profiles of the platform's processes (`--cpu-prof`, written when a process exits): where each one spent
 * its time, by package (the database driver, gRPC, the S3 client, zlib, ...) and by function (self time).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Node flags that make a process write its CPU profile into `dir` when it exits. */
export function cpuProfileFlags(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** Where a frame's code lives: a package, a part of Node, a part of this project, or V8's own work. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0];
  const own = /\/(apps|libs)\/([^/]+)\//.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

/** Records which process each pid was, for summarizeProfiles (profiles are named by pid). */
export function nameProfiles(dir: string, names: Map<number, string>): void {
  writeFileSync(join(dir, 'processes.json'), JSON.stringify(Object.fromEntries(names)));
}

/** The top places and functions by self time of each profile in `dir` (CPU.<date>.<time>.<pid>.<tid>.<n>.cpuprofile). */
export function summarizeProfiles(dir: string, top = 8): string[] {
  const names = JSON.parse(readFileSync(join(dir, 'processes.json'), 'utf8')) as Record<string, string>;
  const lines: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const pid = /\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1] ?? '';
    const name = names[pid];
    if (!name) continue;
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const selfTime = new Map<number, number>();
    profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const byPlace = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let total = 0;
    for (const node of profile.nodes) {
      const micros = selfTime.get(node.id) ?? 0;
      if (micros === 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') continue;
      total += micros;
      const place = placeOf(url, functionName);
      byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
      const fn = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    }
    const share = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)}%`;
    const best = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
    lines.push(`${name}: ${(total / 1e6).toFixed(1)} s on CPU`);
    lines.push(
      `  by place:    ${best(byPlace)
        .map(([place, micros]) => `${place} ${share(micros).trim()}`)
        .join(', ')}`,
    );
    for (const [fn, micros] of best(byFunction)) lines.push(`  ${share(micros)}  ${fn}`);
  }
  return lines;
}
