import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';
import { css, html, LitElement, nothing } from 'lit';
import { maxPoints, type ChartSpec } from '../lib/chart-spec.js';
import { shared } from '../styles/shared.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

const palette = ['#2358c9', '#d9731a', '#1b7a3d', '#a12f8f', '#b3261e', '#0b6e8a'];

/** A bar or line chart drawn by Chart.js from a ChartSpec: data only, never code. */
export class DbwResultChart extends LitElement {
  static override properties = { spec: { attribute: false } };

  declare spec: ChartSpec | null | undefined;
  private chart: Chart | undefined;

  static override styles = [shared, css`
    :host { display: block; }
    .frame { position: relative; height: min(55vh, 420px); min-height: 240px; background: var(--dbw-surface); border: 1px solid var(--dbw-border); border-radius: 6px; padding: 0.5rem; }
    canvas { width: 100%; height: 100%; }
  `];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.chart?.destroy();
    this.chart = undefined;
  }

  override updated(): void {
    this.chart?.destroy();
    this.chart = undefined;
    const canvas = this.renderRoot.querySelector('canvas');
    const spec = this.spec;
    if (!canvas || !spec) return;
    this.chart = new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map((s, i) => ({
          label: s.column,
          data: s.data,
          backgroundColor: `${palette[i % palette.length] ?? '#2358c9'}cc`,
          borderColor: palette[i % palette.length] ?? '#2358c9',
          borderWidth: spec.type === 'line' ? 2 : 0,
          pointRadius: spec.labels.length > 60 ? 0 : 2,
          spanGaps: true,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { display: spec.series.length > 1 }, tooltip: { enabled: true } },
        scales: {
          x: { title: { display: true, text: spec.x.column }, ticks: { autoSkip: true, maxRotation: 50 } },
          y: { beginAtZero: spec.type === 'bar', title: { display: spec.series.length === 1, text: spec.series[0]?.column ?? '' } },
        },
      },
    });
    this.dataset.points = String(spec.labels.length);
  }

  override render() {
    const spec = this.spec;
    if (!spec) return nothing;
    const what = `${spec.type === 'bar' ? 'Bar' : 'Line'} chart of ${spec.series.map((s) => s.column).join(', ')} by ${spec.x.column}, ${spec.labels.length} points`;
    return html`
      <div class="frame"><canvas role="img" aria-label=${what}>${what}</canvas></div>
      ${spec.labels.length >= maxPoints ? html`<p class="muted">The chart shows the first ${maxPoints} rows.</p>` : nothing}
    `;
  }
}

customElements.define('dbw-result-chart', DbwResultChart);

declare global {
  interface HTMLElementTagNameMap {
    'dbw-result-chart': DbwResultChart;
  }
}
