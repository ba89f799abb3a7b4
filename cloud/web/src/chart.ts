import { s } from './dom.ts';

export interface BarDatum {
  label: string;
  value: number | null;
  title: string;
}

/**
 * A bar chart in plain SVG. A bucket with no data (`value: null`) is drawn as a hatched full-height
 * placeholder, so missing data is never mistaken for zero consumption.
 */
export function barChart(data: BarDatum[], unit: string): SVGElement {
  const W = 1000;
  const H = 260;
  const left = 50;
  const bottom = 30;
  const max = Math.max(0, ...data.map((d) => d.value ?? 0)) || 1;
  const bw = (W - left) / Math.max(1, data.length);
  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${W} ${H}`,
    preserveAspectRatio: 'none',
    role: 'img',
  });
  const defs = s('defs');
  const pattern = s('pattern', {
    id: 'missing',
    width: 6,
    height: 6,
    patternUnits: 'userSpaceOnUse',
    patternTransform: 'rotate(45)',
  });
  pattern.append(
    s('rect', { width: 6, height: 6, fill: '#f3f3f3' }),
    s('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#c8c8c8', 'stroke-width': 2 }),
  );
  defs.append(pattern);
  svg.append(defs);
  svg.append(s('line', { class: 'axis', x1: left, y1: H - bottom, x2: W, y2: H - bottom }));
  svg.append(
    s('text', { x: 2, y: 12 }, `${max.toLocaleString('pt-BR', { maximumFractionDigits: 2 })} ${unit}`),
  );
  const every = Math.ceil(data.length / 12);
  data.forEach((d, i) => {
    const x = left + i * bw + bw * 0.1;
    const w = Math.max(1, bw * 0.8);
    if (d.value === null) {
      const r = s('rect', {
        class: 'bar-missing',
        x,
        y: 10,
        width: w,
        height: H - bottom - 10,
        'data-missing': 'true',
      });
      r.append(s('title', {}, `${d.title}: sem dados`));
      svg.append(r);
    } else {
      const bh = ((H - bottom - 10) * d.value) / max;
      const r = s('rect', {
        class: 'bar',
        x,
        y: H - bottom - bh,
        width: w,
        height: Math.max(0, bh),
        'data-value': d.value,
      });
      r.append(s('title', {}, d.title));
      svg.append(r);
    }
    if (i % every === 0) svg.append(s('text', { x, y: H - 12 }, d.label));
  });
  return svg;
}
