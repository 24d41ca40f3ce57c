/**
 * bench/placements.png, drawn on a <canvas> (no plotting library, like
 * chart.js): main-thread total blocking time per phase for both Python
 * placements, and reload to ready with a dedicated vs a shared engine next to
 * Python's own boot. bench/placements.py passes the figures and saves the PNG.
 */
import { bars, chartCanvas } from "./bars.js";

/**
 * @param {any} r bench/placements.json
 * @returns {string} PNG data URL
 */
export function drawPlacements(r) {
  const { canvas, ctx } = chartCanvas(900, 420);
  const phases = Object.keys(r["longtasks/worker"]);
  bars(ctx, {
    left: 60,
    width: 460,
    title: "Main-thread total blocking time (ms, median)",
    groups: phases.map((phase) => ({
      label: phase,
      values: [
        { name: "Python in a worker", value: r["longtasks/worker"][phase].tbt_ms, color: "#2ca02c" },
        { name: "Python on the page", value: r["longtasks/main"][phase].tbt_ms, color: "#d62728" },
      ],
    })),
  });
  bars(ctx, {
    left: 600,
    width: 260,
    title: "Reload to ready (ms, median)",
    groups: [
      { label: "dedicated", values: [{ name: "dedicated engine", value: r["reload/dedicated"], color: "#1f77b4" }] },
      { label: "shared", values: [{ name: "shared engine", value: r["reload/shared"], color: "#ff7f0e" }] },
      { label: "Python boot", values: [{ name: "Python's own boot", value: r["reload/python_boot"], color: "#7f7f7f" }] },
    ],
  });
  return canvas.toDataURL("image/png");
}
