/**
 * The real-engine chart (bench/real-engine.png), drawn on a <canvas> like
 * chart.js: what Python and WebLLM's own client see of the same streams, and
 * how many tokens WebLLM prefilled on each turn of a conversation against the
 * whole prompt (the gap is the KV cache reused).
 */

const PYTHON = "#d62728";
const JS = "#1f77b4";
const PROMPT = "#c7c7c7";
const PREFILLED = "#2ca02c";

/**
 * @param {{load_ms: number, tokens: number,
 *   streams: Record<string, Array<{ttft_ms: number, tokens_per_s: number}>>,
 *   prefill_per_turn: Record<string, Array<{prefilled: number, prompt: number}>>}} results
 * @returns {string} PNG data URL
 */
export function drawRealChart(results) {
  const canvas = document.body.appendChild(document.createElement("canvas"));
  canvas.width = 1200;
  canvas.height = 520;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  ctx.font = "bold 20px sans-serif";
  ctx.fillText(
    `WebLLM's real engine, tiny test model (load ${(results.load_ms / 1000).toFixed(1)} s; streams of ${results.tokens} tokens)`,
    20,
    30,
  );
  const median = (/** @type {number[]} */ values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return Number.isInteger(middle) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[Math.floor(middle)];
  };
  const stream = (/** @type {string} */ layer, /** @type {"ttft_ms" | "tokens_per_s"} */ key) =>
    median(results.streams[layer].map((run) => run[key]));
  bars(ctx, { x: 40, y: 70, width: 240, height: 380 }, "time to first token (ms, median)", [
    { label: "Python", value: stream("python", "ttft_ms"), color: PYTHON },
    { label: "WebLLM JS", value: stream("js-webllm", "ttft_ms"), color: JS },
  ]);
  bars(ctx, { x: 320, y: 70, width: 240, height: 380 }, "tokens/s (median)", [
    { label: "Python", value: stream("python", "tokens_per_s"), color: PYTHON },
    { label: "WebLLM JS", value: stream("js-webllm", "tokens_per_s"), color: JS },
  ]);
  let x = 600;
  for (const [path, turns] of Object.entries(results.prefill_per_turn)) {
    const series = turns.flatMap((turn, i) => [
      { label: `${i + 1}`, value: turn.prompt, color: PROMPT },
      { label: "", value: turn.prefilled, color: PREFILLED },
    ]);
    bars(ctx, { x, y: 70, width: 270, height: 380 }, `${path}: prompt vs prefilled, per turn`, series);
    x += 300;
  }
  ctx.font = "14px sans-serif";
  legend(ctx, 40, 500, [
    [PYTHON, "Python, provider.stream_reply()"],
    [JS, "WebLLM's own client"],
    [PROMPT, "whole prompt (tokens)"],
    [PREFILLED, "prefilled by WebLLM (tokens)"],
  ]);
  return canvas.toDataURL("image/png");
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {{x: number, y: number, width: number, height: number}} box
 * @param {string} title
 * @param {Array<{label: string, value: number, color: string}>} series
 */
function bars(ctx, box, title, series) {
  const top = Math.max(...series.map((s) => s.value), 1) * 1.15;
  const slot = box.width / series.length;
  ctx.font = "14px sans-serif";
  ctx.fillStyle = "#000";
  ctx.fillText(title, box.x, box.y);
  ctx.strokeStyle = "#000";
  ctx.beginPath();
  ctx.moveTo(box.x, box.y + 10);
  ctx.lineTo(box.x, box.y + box.height);
  ctx.lineTo(box.x + box.width, box.y + box.height);
  ctx.stroke();
  series.forEach((s, i) => {
    const height = (s.value / top) * (box.height - 20);
    const left = box.x + i * slot + slot * 0.15;
    ctx.fillStyle = s.color;
    ctx.fillRect(left, box.y + box.height - height, slot * 0.7, height);
    ctx.fillStyle = "#000";
    ctx.font = "12px sans-serif";
    ctx.fillText(Number.isInteger(s.value) || s.value >= 100 ? s.value.toFixed(0) : s.value.toFixed(1), left, box.y + box.height - height - 4);
    if (s.label) ctx.fillText(s.label, left, box.y + box.height + 16);
  });
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} x
 * @param {number} y
 * @param {Array<[string, string]>} entries color, label
 */
function legend(ctx, x, y, entries) {
  for (const [color, label] of entries) {
    ctx.fillStyle = color;
    ctx.fillRect(x, y - 11, 14, 14);
    ctx.fillStyle = "#000";
    ctx.fillText(label, x + 20, y);
    x += ctx.measureText(label).width + 50;
  }
}
