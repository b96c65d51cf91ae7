import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** Events per bucket for several streams over one time axis, drawn by uPlot (sized to its container). */
export interface UsageSeries {
  stream: string;
  counts: number[];
}

const COLOURS = ['#2459b3', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207'];

export function UsageChart(props: { times: number[]; series: UsageSeries[]; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const width = () => Math.max(280, el.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 260,
        scales: { x: { time: true } },
        axes: [{}, { label: 'events' }],
        series: [
          {},
          ...props.series.map((s, i) => ({
            label: s.stream,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            points: { show: props.times.length < 80 },
          })),
        ],
      },
      [props.times, ...props.series.map((s) => s.counts)],
      el,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [props.times, props.series]);
  return <div ref={container} class="chart" role="img" aria-label={props.label} />;
}
