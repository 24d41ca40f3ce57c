/**
 * bench/placements.png, drawn on a <canvas> (no plotting library, like
 * chart.js): main-thread total blocking time per phase for both Python
 * placements, and reload to ready with a dedicated vs a shared engine next to
 * Python's own boot. bench/placements.py passes the figures and saves the PNG.
 */

/**
 * @param {any} r bench/placements.json
 * @returns {string} PNG data URL
 */
export function drawPlacements(r) {
  const canvas = document.createElement("canvas");
  canvas.width = 900;
  canvas.height = 420;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = "13px sans-serif";
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

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {{left: number, width: number, title: string,
 *   groups: {label: string, values: {name: string, value: number, color: string}[]}[]}} panel
 */
function bars(ctx, { left, width, title, groups }) {
  const top = 50;
  const height = 300;
  const max = Math.max(1, ...groups.flatMap((group) => group.values.map((v) => v.value)));
  ctx.fillStyle = "#000";
  ctx.fillText(title, left, 25);
  ctx.strokeStyle = "#000";
  ctx.beginPath();
  ctx.moveTo(left, top);
  ctx.lineTo(left, top + height);
  ctx.lineTo(left + width, top + height);
  ctx.stroke();
  ctx.fillText(String(Math.round(max)), left - 45, top + 5);
  ctx.fillText("0", left - 15, top + height);
  const slot = width / groups.length;
  for (const [g, group] of groups.entries()) {
    const barWidth = (slot * 0.7) / group.values.length;
    for (const [i, { value, color }] of group.values.entries()) {
      const x = left + g * slot + slot * 0.15 + i * barWidth;
      const h = (value / max) * height;
      ctx.fillStyle = color;
      ctx.fillRect(x, top + height - h, barWidth - 2, h);
      ctx.fillStyle = "#000";
      ctx.fillText(String(Math.round(value)), x, top + height - h - 4);
    }
    ctx.fillText(group.label, left + g * slot + slot * 0.1, top + height + 18);
  }
  // A legend only where a group has several bars (single bars are named below them).
  const legend = new Map(
    groups.some((group) => group.values.length > 1)
      ? groups.flatMap((group) => group.values.map((v) => [v.name, v.color]))
      : [],
  );
  const y = top + height + 40;
  for (const [name, color] of legend) {
    ctx.fillStyle = color;
    ctx.fillRect(left, y - 10, 12, 12);
    ctx.fillStyle = "#000";
    ctx.fillText(name, left + 18, y);
    left += ctx.measureText(name).width + 40;
  }
}
