/** The library's (done, total) progress callbacks onto the CLI's progress bar (which counts increments). */
import type { Output, Progress } from '../output.js';

export function progressReporter(
  output: Output,
  label: string,
): {
  update: (done: number, total: number) => void;
  stop: () => void;
} {
  let bar: Progress | undefined;
  let shown = 0;
  return {
    update(done, total) {
      bar ??= output.progress(label, total);
      bar.setTotal(total);
      if (done > shown) bar.increment(done - shown);
      shown = Math.max(shown, done);
    },
    stop: () => bar?.stop(),
  };
}
