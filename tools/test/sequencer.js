// Orders the test files for jest. With timings from an earlier run (the local cache), jest's own order: slowest
// first. Without them (a clean checkout, as in CI), jest would order by file size; instead, the files that start
// real processes go first, slowest kind first (the API fuzzing runs, then end-to-end, then integration, then unit
// tests), so that no long file starts last and keeps one worker busy while the other idles.
const Sequencer = require('@jest/test-sequencer').default;

const KINDS = [/api-fuzzing[^/]*\.e2e-spec\.ts$/, /\.e2e-spec\.ts$/, /\.int-spec\.ts$/, /./];
const kindOf = (path) => KINDS.findIndex((pattern) => pattern.test(path));

class CostFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((test) => test.duration != null)) return sorted;
    // Array.prototype.sort is stable: within a kind, jest's order (by file size) stays.
    return sorted.sort((a, b) => kindOf(a.path) - kindOf(b.path));
  }
}

module.exports = CostFirstSequencer;
