// Number formatting shared by the trace, the canvas and the deploy panel.

/** "3.2 ms": milliseconds with one decimal. */
export const formatMs = (ms) => `${Number(ms).toFixed(1)} ms`;

/** Microseconds from the run report as "3.2 ms". */
export const formatUs = (us) => formatMs((Number(us) || 0) / 1000);

export const formatPercent = (ratio) => `${(ratio * 100).toFixed(1)}%`;
