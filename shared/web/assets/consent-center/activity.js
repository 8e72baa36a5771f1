// @ts-check
/*
 * Activity: decisions by reason and changes by source over time, per profile, from /api/stats. Each
 * chart is an SVG drawn here (bars, labelled axes) with a table of the same numbers below it, for
 * screen readers and for copying.
 */
import { api, showError, state } from './api.js';
import { WHY, words } from './codes.js';
import { alertBox, button, field, h, heading, table } from './dom.js';
import { onShow, sections } from './shell.js';

const SVG = 'http://www.w3.org/2000/svg';
/** @param {string} tag @param {Record<string, string | number>} attrs @param {...(Node | string)} kids */
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...kids);
  return el;
}

const profile = h('select', {});
const range = h(
  'select',
  {},
  h('option', { value: 'day' }, 'Last 24 hours, by hour'),
  h('option', { value: 'week', selected: true }, 'Last 7 days, by day'),
  h('option', { value: 'month' }, 'Last 30 days, by day'),
);
const error = alertBox();
const out = h('div', { 'aria-live': 'polite' });

/**
 * Stacked bars, one per bucket: each series a colour, with its legend.
 * @param {string} title @param {Array<{ label: string, values: number[] }>} buckets
 * @param {Array<{ name: string, color: string }>} series
 */
function chart(title, buckets, series) {
  const width = 640;
  const height = 200;
  const pad = 28;
  const max = Math.max(1, ...buckets.map((b) => b.values.reduce((a, v) => a + v, 0)));
  const bar = (width - pad) / Math.max(1, buckets.length);
  const bars = buckets.flatMap((b, i) => {
    let y = height - pad;
    return b.values.map((v, k) => {
      const hgt = ((height - 2 * pad) * v) / max;
      y -= hgt;
      return s(
        'rect',
        {
          x: pad + i * bar + 1,
          y,
          width: Math.max(1, bar - 2),
          height: hgt,
          fill: series[k]?.color ?? '#888',
        },
        s('title', {}, `${b.label}: ${series[k]?.name} ${v}`),
      );
    });
  });
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': `${title} (the table below has the numbers)`,
      class: 'chart',
    },
    s('line', { x1: pad, y1: height - pad, x2: width, y2: height - pad, stroke: '#4a5360' }),
    s('text', { x: 0, y: pad - 8, 'font-size': 12 }, String(max)),
    s('text', { x: pad, y: height - 8, 'font-size': 12 }, buckets[0]?.label ?? ''),
    s(
      'text',
      { x: width, y: height - 8, 'font-size': 12, 'text-anchor': 'end' },
      buckets.at(-1)?.label ?? '',
    ),
    ...bars,
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    // An SVG swatch: the page's policy allows no inline style.
    series.map((x) =>
      h(
        'li',
        {},
        s(
          'svg',
          { class: 'swatch', viewBox: '0 0 10 10', 'aria-hidden': 'true' },
          s('rect', { width: 10, height: 10, fill: x.color }),
        ),
        x.name,
      ),
    ),
  );
  return h('figure', {}, h('figcaption', {}, title), svg, legend);
}

async function load() {
  showError(error);
  const to = new Date();
  /** @type {Record<string, number>} */
  const spans = { day: 1, week: 7, month: 30 };
  const days = spans[/** @type {HTMLSelectElement} */ (range).value] ?? 7;
  const from = new Date(to.getTime() - days * 86_400_000);
  const granularity = range.value === 'day' ? 'hour' : 'day';
  try {
    const data = await api('GET', 'stats', {
      query: {
        from: from.toISOString(),
        to: to.toISOString(),
        granularity,
        profileId: profile.value || undefined,
      },
    });
    /** @type {Array<any>} */
    const buckets = data.buckets;
    const label = (/** @type {string} */ start) =>
      granularity === 'hour' ? `${start.slice(11, 13)}:00` : start.slice(5, 10);
    const reasons = new Map();
    const sources = new Map();
    for (const b of buckets) {
      for (const [k, v] of Object.entries(b.decisions.byReason)) reasons.set(k, (reasons.get(k) ?? 0) + v);
      for (const [k, v] of Object.entries(b.changes.bySource)) sources.set(k, (sources.get(k) ?? 0) + v);
    }
    const period = (/** @type {string} */ start) => start.slice(0, granularity === 'hour' ? 16 : 10);
    /**
     * A chart and the table of the same numbers, from one definition of its series.
     * @param {string} title @param {Array<{ name: string, color: string, of: (b: any) => number }>} series
     */
    const charted = (title, series) => [
      chart(
        title,
        buckets.map((b) => ({ label: label(b.start), values: series.map((x) => x.of(b)) })),
        series,
      ),
      table(
        `${title} by period`,
        ['Period', ...series.map((x) => x.name)],
        buckets.map((b) => [period(b.start), ...series.map((x) => String(x.of(b)))]),
      ),
    ];
    out.replaceChildren(
      ...charted('Decisions', [
        { name: 'Sent', color: '#0b57d0', of: (b) => b.decisions.sent },
        { name: 'Blocked', color: '#b3261e', of: (b) => b.decisions.blocked },
      ]),
      table(
        'Why messages were blocked',
        ['Reason', 'Messages'],
        [...reasons].map(([k, v]) => [h('span', {}, WHY[k] ?? words(k), ' ', h('code', {}, k)), String(v)]),
      ),
      ...charted('Consent changes', [
        { name: 'Opted in', color: '#0f5a2a', of: (b) => b.changes.optedIn },
        { name: 'Opted out', color: '#e37400', of: (b) => b.changes.optedOut },
      ]),
      table(
        'Where changes came from',
        ['Source', 'Changes'],
        [...sources].map(([k, v]) => [words(k), String(v)]),
      ),
    );
  } catch (err) {
    showError(error, err);
  }
}

function fillProfiles() {
  const current = profile.value;
  profile.replaceChildren(
    h('option', { value: '' }, 'Every profile'),
    ...state.profiles.map((p) => h('option', { value: p.id, selected: p.id === current }, p.name)),
  );
}

sections.activity?.append(
  heading(1, 'Activity'),
  h('p', {}, 'Decisions and consent changes over time, counted by every instance of the service.'),
  h(
    'div',
    { class: 'filters' },
    field('Profile', profile),
    field('Period', range),
    button('Show', () => load()),
  ),
  error,
  out,
);
onShow.activity = () => {
  fillProfiles();
  load();
};
