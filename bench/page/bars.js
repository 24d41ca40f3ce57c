/**
 * One panel of a bar chart on a <canvas>, for the benchmark's charts (no
 * plotting library): groups of bars on a shared axis from 0, each bar labelled
 * with its value, a legend where a group has several bars.
 */

/**
 * A white canvas to draw a chart on.
 * @param {number} width
 * @param {number} height
 */
export function chartCanvas(width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#000";
  ctx.font = "13px sans-serif";
  return { canvas, ctx };
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {{left: number, width: number, title: string, top?: number, height?: number,
 *   groups: {label: string, values: {name: string, value: number, color: string}[]}[]}} panel
 */
export function bars(ctx, { left, width, title, groups, top = 50, height = 300 }) {
  const max = Math.max(1, ...groups.flatMap((group) => group.values.map((v) => v.value)));
  ctx.fillStyle = "#000";
  ctx.fillText(title, left, top - 25);
  ctx.strokeStyle = "#000";
  ctx.beginPath();
  ctx.moveTo(left, top);
  ctx.lineTo(left, top + height);
  ctx.lineTo(left + width, top + height);
  ctx.stroke();
  ctx.fillText(shown(max), left - 45, top + 5);
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
      ctx.fillText(shown(value), x, top + height - h - 4);
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

/** @param {number} value */
function shown(value) {
  return Number.isInteger(value) || value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}
