/**
 * The latency-distribution chart, drawn on the page's <canvas> (no plotting
 * library anywhere): two panels of cumulative distributions on a log time
 * axis, one line per layer, the target as a dashed vertical line. Returns a
 * PNG data URL, which bench/run.py saves.
 */

const COLORS = {
  "js-webllm": "#1f77b4",
  "js-bridge": "#2ca02c",
  "py-bridge": "#ff7f0e",
  "py-provider": "#d62728",
  "js-guide": "#9467bd",
  "py-guide": "#8c564b",
  postMessage: "#7f7f7f",
  pyAwaitJs: "#bcbd22",
  pyWake: "#17becf",
  "py-provider-nojs": "#e377c2",
};

const LABELS = {
  "js-webllm": "JS, WebLLM's client (WebWorkerMLCEngine)",
  "js-bridge": "JS, bridge.js EngineClient",
  "py-bridge": "Python, webllm_bridge (PyodideBridge)",
  "py-provider": "Python, WebLLMProvider",
  "js-guide": "JS, guide's manager (10 ms polling)",
  "py-guide": "Python, guide's manager + callback",
  postMessage: "floor: postMessage echo page<->worker",
  pyAwaitJs: "floor: Python awaits resolved JS promise",
  pyWake: "floor: Python task woken from a worker message",
  "py-provider-nojs": "Python, WebLLMProvider alone (no JS)",
};

const X_MIN = 0.005;
const X_MAX = 50;

/**
 * @param {any} results as bench.js collects them
 * @param {(values: number[]) => {p50: number, p95: number}} summary
 * @returns {string} PNG data URL
 */
export function drawChart(results, summary) {
  const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("chart"));
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  ctx.font = "bold 20px sans-serif";
  ctx.fillText(`webllm-provider bridge benchmark${results.meta.smoke ? " (SMOKE: tiny counts)" : ""}`, 20, 30);

  const round = results.roundTrips;
  /** @type {Array<{label: string, color: string, dash: number[], values: number[]}>} */
  const first = [];
  for (const [name, dash] of /** @type {Array<[string, number[]]>} */ ([
    ["short", []],
    ["long20", [8, 4]],
  ])) {
    for (const [layer, r] of Object.entries(round[name])) {
      first.push({
        label: `${LABELS[layer]}, ${name === "short" ? "1 message" : "20 messages"}`,
        color: COLORS[layer],
        dash,
        values: r.overhead,
      });
    }
  }
  first.push({ label: LABELS.postMessage, color: COLORS.postMessage, dash: [2, 3], values: results.floors.postMessage });
  first.push({ label: LABELS.pyAwaitJs, color: COLORS.pyAwaitJs, dash: [2, 3], values: results.floors.pyAwaitJs });
  panel(ctx, summary, {
    top: 50,
    height: 450,
    title: "Non-streamed round trip, engine time excluded: cumulative share of calls",
    target: 1,
    targetLabel: "target 1 ms",
    series: first,
  });

  const second = Object.entries(results.paced.layers).map(([layer, m]) => ({
    label: LABELS[layer],
    color: COLORS[layer],
    dash: [],
    values: /** @type {any} */ (m).latency,
  }));
  second.push({ label: LABELS.pyWake, color: COLORS.pyWake, dash: [2, 3], values: results.floors.pyWake });
  panel(ctx, summary, {
    top: 530,
    height: 450,
    title: `Per streamed chunk at ${results.meta.rate} tokens/s, engine yield -> consumer got it: cumulative share of chunks`,
    target: 0.3,
    targetLabel: "target 0.3 ms",
    series: second,
  });
  return canvas.toDataURL("image/png");
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {(values: number[]) => {p50: number, p95: number}} summary
 * @param {{top: number, height: number, title: string, target: number, targetLabel: string,
 *   series: Array<{label: string, color: string, dash: number[], values: number[]}>}} spec
 */
function panel(ctx, summary, { top, height, title, target, targetLabel, series }) {
  const left = 70;
  const width = 760;
  const plotTop = top + 30;
  const plotHeight = height - 70;
  const x = (/** @type {number} */ ms) =>
    left + ((Math.log10(Math.min(Math.max(ms, X_MIN), X_MAX)) - Math.log10(X_MIN)) / Math.log10(X_MAX / X_MIN)) * width;
  const y = (/** @type {number} */ share) => plotTop + plotHeight * (1 - share);

  ctx.font = "bold 15px sans-serif";
  ctx.fillStyle = "#000";
  ctx.fillText(title, left, top + 15);

  // grid and axes
  ctx.font = "12px sans-serif";
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  for (const ms of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]) {
    ctx.strokeStyle = "#e4e4e4";
    ctx.beginPath();
    ctx.moveTo(x(ms), plotTop);
    ctx.lineTo(x(ms), plotTop + plotHeight);
    ctx.stroke();
    ctx.fillStyle = "#333";
    ctx.fillText(String(ms), x(ms) - 10, plotTop + plotHeight + 16);
  }
  for (const share of [0, 0.25, 0.5, 0.75, 0.95, 1]) {
    ctx.strokeStyle = share === 0.5 || share === 0.95 ? "#c8c8c8" : "#eeeeee";
    ctx.beginPath();
    ctx.moveTo(left, y(share));
    ctx.lineTo(left + width, y(share));
    ctx.stroke();
    ctx.fillStyle = "#333";
    ctx.fillText(share === 0.5 ? "p50" : share === 0.95 ? "p95" : String(share), left - 35, y(share) + 4);
  }
  ctx.fillText("milliseconds (log scale)", left + width / 2 - 60, plotTop + plotHeight + 34);
  ctx.strokeStyle = "#000";
  ctx.strokeRect(left, plotTop, width, plotHeight);

  // target
  ctx.strokeStyle = "#000";
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x(target), plotTop);
  ctx.lineTo(x(target), plotTop + plotHeight);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = "#000";
  ctx.fillText(targetLabel, x(target) + 4, plotTop + 14);

  // cumulative distributions
  ctx.lineWidth = 2;
  for (const { color, dash, values } of series) {
    const sorted = Float64Array.from(values).sort();
    ctx.strokeStyle = color;
    ctx.setLineDash(dash);
    ctx.beginPath();
    sorted.forEach((ms, i) => {
      const share = (i + 1) / sorted.length;
      if (i === 0) ctx.moveTo(x(ms), y(0));
      ctx.lineTo(x(ms), y(share));
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);

  // legend with medians and p95
  let legendY = plotTop + 8;
  const legendX = left + width + 20;
  ctx.font = "12px sans-serif";
  for (const { label, color, dash, values } of series) {
    const { p50, p95 } = summary(values);
    ctx.strokeStyle = color;
    ctx.setLineDash(dash);
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(legendX, legendY);
    ctx.lineTo(legendX + 30, legendY);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#000";
    ctx.fillText(label, legendX + 36, legendY + 4);
    ctx.fillStyle = "#444";
    ctx.fillText(`p50 ${fmt(p50)}  p95 ${fmt(p95)} ms`, legendX + 36, legendY + 18);
    legendY += 32;
  }
}

/** @param {number} ms */
function fmt(ms) {
  return ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}
