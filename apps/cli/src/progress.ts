import { Presets, SingleBar } from 'cli-progress';

/** A progress display on stderr: a bar on a terminal, nothing otherwise (commands print their own summary). */
export interface Progress {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** cli-progress format, e.g. `{bar} {percentage}% | {value}/{total} partitions`. */
  format: string;
  stream: NodeJS.WriteStream;
  /** `--quiet`: no bar even on a terminal. */
  quiet: boolean;
}

const nothing = (): void => undefined;
const NO_PROGRESS: Progress = { start: nothing, update: nothing, setTotal: nothing, stop: nothing };

export function progressBar(options: ProgressOptions): Progress {
  if (options.quiet || !options.stream.isTTY) return NO_PROGRESS;
  const bar = new SingleBar(
    { format: options.format, stream: options.stream, hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
    Presets.shades_classic,
  );
  let running = false;
  return {
    start(total, value, payload) {
      bar.start(total, value, payload);
      running = true;
    },
    update(value, payload) {
      if (running) bar.update(value, payload);
    },
    setTotal(total) {
      if (running) bar.setTotal(total);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
