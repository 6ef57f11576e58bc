import { useEffect, useRef } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJs,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';

ChartJs.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const PALETTE = ['#2f6f9f', '#d97a2b', '#4f9d69', '#b5485d', '#7a5fa8', '#8a8a8a'];

export interface Series {
  label: string;
  values: number[];
}

export interface BarChartProps {
  title: string;
  /** the category axis (days, channels, coaches) */
  labels: string[];
  series: Series[];
  stacked?: boolean;
  horizontal?: boolean;
  /** the heading of the table's first column */
  category: string;
  format?: (value: number) => string;
}

/**
 * A chart.js bar chart with the same figures in a table right under it: the canvas is a picture
 * for sighted users, the table is what screen readers and keyboard users read.
 */
export function BarChart({ title, labels, series, stacked, horizontal, category, format = String }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return; // no canvas (unit tests in jsdom): the table says it all
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: PALETTE[i % PALETTE.length] })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: !!stacked }, y: { stacked: !!stacked, beginAtZero: true } },
        plugins: { legend: { display: series.length > 1, position: 'bottom' } },
      },
    };
    const chart = new ChartJs(context, config);
    return () => chart.destroy();
  }, [labels, series, stacked, horizontal]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${title}: chart; the table below lists the same figures`} />
      </div>
      <details>
        <summary>Figures as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{category}</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, row) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {series.map((s) => (
                  <td key={s.label}>{format(s.values[row] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
