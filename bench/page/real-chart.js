/**
 * The real-engine chart (bench/real-engine.png), drawn on a <canvas> like the
 * other charts: what Python and WebLLM's own client see of the same streams,
 * and how many tokens WebLLM prefilled on each turn of a conversation against
 * the whole prompt (the gap is the KV cache reused).
 */
import { bars, chartCanvas } from "./bars.js";

const PYTHON = { name: "Python, provider.stream_reply()", color: "#d62728" };
const JS = { name: "WebLLM's own client", color: "#1f77b4" };

/**
 * @param {{load_ms: number, tokens: number,
 *   streams: Record<string, Array<{ttft_ms: number, tokens_per_s: number}>>,
 *   prefill_per_turn: Record<string, Array<{prefilled: number, prompt: number}>>}} results
 * @returns {string} PNG data URL
 */
export function drawRealChart(results) {
  const { canvas, ctx } = chartCanvas(1240, 480);
  ctx.font = "bold 18px sans-serif";
  const title = `WebLLM's real engine, the tiny test model: load ${(results.load_ms / 1000).toFixed(1)} s`;
  ctx.fillText(`${title}, streams of ${results.tokens} tokens`, 20, 30);
  ctx.font = "13px sans-serif";
  const stream = (/** @type {string} */ layer, /** @type {"ttft_ms" | "tokens_per_s"} */ key) =>
    median(results.streams[layer].map((run) => run[key]));
  const panel = { top: 90, height: 300 };
  for (const [left, key, label] of /** @type {const} */ ([
    [60, "ttft_ms", "time to first token (ms, median)"],
    [320, "tokens_per_s", "tokens/s (median)"],
  ])) {
    bars(ctx, {
      ...panel,
      left,
      width: 200,
      title: label,
      groups: [
        { label: "Python", values: [{ ...PYTHON, value: stream("python", key) }] },
        { label: "WebLLM JS", values: [{ ...JS, value: stream("js-webllm", key) }] },
      ],
    });
  }
  let left = 600;
  for (const [path, turns] of Object.entries(results.prefill_per_turn)) {
    bars(ctx, {
      ...panel,
      left,
      width: 270,
      title: `${path}: tokens per turn`,
      groups: turns.map((turn, i) => ({
        label: `turn ${i + 1}`,
        values: [
          { name: "whole prompt", value: turn.prompt, color: "#aaaaaa" },
          { name: "prefilled by WebLLM", value: turn.prefilled, color: "#2ca02c" },
        ],
      })),
    });
    left += 330;
  }
  return canvas.toDataURL("image/png");
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[Math.floor(middle)];
}
