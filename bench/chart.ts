/** A small SVG line chart the benchmarks write beside their figures (no plotting library needed). */
import { writeFileSync } from 'node:fs';

export interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Writes `series` as lines over a logarithmic x axis (sizes) and a linear y axis from 0. */
export function writeLineChart(path: string, chart: { title: string; x: string; y: string; series: Series[] }): void {
  const width = 720;
  const height = 420;
  const left = 80;
  const right = 170;
  const top = 40;
  const bottom = 60;
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p[1]));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = niceCeiling(Math.max(...ys));
  const logSpan = Math.log10(xMax) - Math.log10(xMin) || 1;
  const px = (x: number) => left + ((Math.log10(x) - Math.log10(xMin)) / logSpan) * (width - left - right);
  const py = (y: number) => height - bottom - (y / yMax) * (height - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escape(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 8}" y="${py(y) + 4}" text-anchor="end">${Math.round(y).toLocaleString('en-US')}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${top}" y2="${height - bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${px(x)}" y="${height - bottom + 18}" text-anchor="middle">${x.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 15}" text-anchor="middle">${escape(chart.x)}</text>`);
  parts.push(
    `<text transform="translate(18 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(chart.y)}</text>`,
  );
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    const points = [...series.points].sort((a, b) => a[0] - b[0]);
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ')}"/>`,
    );
    for (const [x, y] of points) parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${color}"/>`);
    const ly = top + 10 + i * 20;
    parts.push(
      `<line x1="${width - right + 15}" x2="${width - right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${width - right + 46}" y="${ly + 4}">${escape(series.name)}</text>`);
  });
  parts.push('</svg>');
  writeFileSync(path, `${parts.join('\n')}\n`);
}

/** 1, 2 or 5 times a power of ten, at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value || 1));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value) ?? value;
}
