// The built-in dashboard: reads the iteration history (/api/v1/iterations)
// and the labeling summary (/api/v1/labeling) from the collector, draws them
// with uPlot (vendored, third_party/uplot), and polls every few seconds so
// the running iteration's progress stays live.
//
// JSON is protobuf's mapping: 64-bit integers arrive as strings and
// non-finite doubles as "NaN"/"Infinity", so every number goes through num().
// window.shammieDashboard exposes the charts for the browser test.
'use strict';

(() => {
  const POLL_MS = 5000;
  const HEIGHT = 220;
  const STAGES = ['PENDING', 'SNAPSHOT', 'TRAIN_PM', 'TRAIN_POLICY', 'EVALUATE', 'DEPLOY', 'SUCCEEDED'];
  const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
  const COLORS = ['#2463eb', '#e8590c', '#1a7f4b', '#9c36b5', '#c92a2a', '#0b7285', '#5f3dc4', '#868e96'];

  const charts = {};
  const state = { charts, ready: false, renders: 0, errors: [] };
  window.shammieDashboard = state;

  const $ = (id) => document.getElementById(id);
  const num = (v) => {
    if (v === null || v === undefined || v === 'NaN') return null;
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const fmt = (v, digits = 3) => (v === null ? '–' : v.toFixed(digits));
  const color = (i) => COLORS[i % COLORS.length];
  const iterNumber = (rec, i) => {
    const m = /(\d+)$/.exec(rec.iteration.id || '');
    return m ? Number(m[1]) : i + 1;
  };

  async function getJson(url) {
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.json();
  }

  // (Re)draws chart `name` into its container; an empty data set shows why.
  function draw(name, opts, data, emptyText) {
    const el = $(`chart-${name}`);
    if (charts[name]) {
      charts[name].destroy();
      delete charts[name];
    }
    el.textContent = '';
    const hasData = data.length > 1 && data[0].length > 0 &&
      data.slice(1).some((ys) => ys.some((y) => y !== null && y !== undefined));
    if (!hasData) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = emptyText;
      el.appendChild(p);
      return;
    }
    const base = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
    };
    charts[name] = new uPlot(Object.assign(base, opts), data, el);
  }

  const noLine = () => null;
  const dots = (c, size = 6) => ({ show: true, size, fill: c, stroke: c });
  const axis = (label, extra = {}) => Object.assign({ label, labelSize: 16, size: 44, stroke: '#5d6677',
    grid: { stroke: '#eef0f4' }, ticks: { stroke: '#dde1e8' } }, extra);
  const categoryAxis = (label, names) => axis(label, {
    splits: () => names.map((_, i) => i),
    values: (u, splits) => splits.map((i) => names[i] ?? ''),
    size: 52,
  });

  // Reward against sqrt(KL): one point series per iteration, plus its fitted
  // line when the run finished and reported one.
  function drawRewardKl(records) {
    const tables = [];
    const series = [{ label: '√KL' }];
    records.forEach((rec, i) => {
      const steps = (rec.ppo && rec.ppo.steps) || [];
      const pts = steps.map((s) => [num(s.sqrt_kl), num(s.reward)])
        .filter(([x, y]) => x !== null && y !== null).sort((a, b) => a[0] - b[0]);
      if (!pts.length) return;
      const c = color(i);
      tables.push([pts.map((p) => p[0]), pts.map((p) => p[1])]);
      series.push({ label: rec.iteration.id, stroke: c, paths: noLine, points: dots(c) });
      const a = num(rec.ppo.fit_a);
      const b = num(rec.ppo.fit_b);
      const r2 = num(rec.ppo.fit_r2);
      if (b !== null && r2 !== null && (b !== 0 || r2 !== 0) && pts.length > 1) {
        const x0 = pts[0][0];
        const x1 = pts[pts.length - 1][0];
        tables.push([[x0, x1], [a + b * x0, a + b * x1]]);
        series.push({ label: `fit ${b.toFixed(2)}·√KL, R²=${r2.toFixed(2)}`, stroke: c, width: 1.5,
          dash: [6, 4], spanGaps: true, points: { show: false } });
      }
    });
    const data = tables.length ? uPlot.join(tables) : [[]];
    draw('reward-kl', {
      scales: { x: { time: false } },
      series,
      axes: [axis('√KL (√nats)'), axis('train-PM reward')],
    }, data, 'No PPO steps yet: the curve appears when an iteration trains the policy.');
  }

  // Train-PM, test-PM and gold reward by step, for the newest finished run
  // (whole curves show over-optimization; the live card follows the running
  // one), or the running one when none has finished.
  function drawTrainTest(records) {
    const withCurve = records.filter((r) => r.ppo && (r.ppo.steps || []).length);
    const rec = [...withCurve].reverse().find((r) => r.iteration.stage === 'SUCCEEDED') ||
      withCurve[withCurve.length - 1];
    $('train-test-iter').textContent = rec ? `· ${rec.iteration.id}` : '';
    const steps = rec ? rec.ppo.steps : [];
    const data = [steps.map((s) => num(s.step)), steps.map((s) => num(s.reward)),
      steps.map((s) => num(s.test_reward)), steps.map((s) => num(s.gold_reward))];
    draw('train-test', {
      scales: { x: { time: false } },
      series: [{ label: 'step' },
        { label: 'train PM', stroke: COLORS[0], width: 2 },
        { label: 'test PM', stroke: COLORS[1], width: 2 },
        { label: 'gold', stroke: COLORS[2], width: 1.5, dash: [4, 3] }],
      axes: [axis('PPO step'), axis('reward')],
    }, data, 'No PPO curve yet.');
  }

  function drawPm(records) {
    const rows = records.map((r, i) => ({ n: iterNumber(r, i), pm: r.pm || {}, test: r.test_pm || {} }))
      .filter((r) => num(r.pm.test_accuracy) !== null && Number(r.pm.test_comparisons || 0) > 0);
    const data = [rows.map((r) => r.n), rows.map((r) => num(r.pm.test_accuracy)),
      rows.map((r) => (Number(r.test.test_comparisons || 0) > 0 ? num(r.test.test_accuracy) : null)),
      rows.map((r) => num(r.pm.ece))];
    draw('pm', {
      scales: { x: { time: false }, acc: { range: [0.4, 1] }, ece: { range: (u, lo, hi) => [0, Math.max(0.1, hi * 1.2)] } },
      series: [{ label: 'iteration' },
        { label: 'accuracy', scale: 'acc', stroke: COLORS[0], width: 2, points: dots(COLORS[0], 7) },
        { label: 'test-PM accuracy', scale: 'acc', stroke: COLORS[1], width: 1.5, points: dots(COLORS[1], 6) },
        { label: 'ECE', scale: 'ece', stroke: COLORS[4], width: 2, dash: [5, 3], points: dots(COLORS[4], 6) }],
      axes: [axis('iteration', { splits: () => rows.map((r) => r.n), values: (u, s) => s.map((v) => `#${v}`) }),
        axis('accuracy', { scale: 'acc' }),
        axis('ECE', { scale: 'ece', side: 1, grid: { show: false } })],
    }, data, 'No preference model trained yet.');
  }

  function drawReliability(records) {
    const rec = [...records].reverse().find((r) => r.pm && (r.pm.reliability || []).length);
    $('reliability-iter').textContent = rec ? `· ${rec.iteration.id}, ECE ${fmt(num(rec.pm.ece))}` : '';
    const bins = rec ? rec.pm.reliability.filter((b) => Number(b.count || 0) > 0) : [];
    const pts = bins.map((b) => [num(b.mean_predicted), num(b.observed)])
      .filter(([x, y]) => x !== null && y !== null).sort((a, b) => a[0] - b[0]);
    const data = pts.length
      ? uPlot.join([[pts.map((p) => p[0]), pts.map((p) => p[1])], [[0, 1], [0, 1]]]) : [[]];
    draw('reliability', {
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      series: [{ label: 'predicted' },
        { label: 'observed', stroke: COLORS[0], width: 2, points: dots(COLORS[0], 7) },
        { label: 'perfect', stroke: '#adb5bd', width: 1, dash: [4, 4], spanGaps: true, points: { show: false } }],
      axes: [axis('predicted P(A>B)'), axis('observed')],
    }, data, 'No reliability table yet.');
  }

  function drawElo(records) {
    const rec = [...records].reverse().find((r) => (r.elo || []).length);
    const rows = rec ? rec.elo : [];
    const names = rows.map((e) => e.policy);
    const data = [rows.map((_, i) => i), rows.map((e) => num(e.elo)),
      rows.map((e) => num(e.low)), rows.map((e) => num(e.high))];
    draw('elo', {
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, rows.length - 0.5)] } },
      series: [{ label: 'snapshot' },
        { label: 'Elo', stroke: COLORS[3], width: 2, points: dots(COLORS[3], 8) },
        { label: '95% low', stroke: '#c5b3e6', width: 1 },
        { label: '95% high', stroke: '#c5b3e6', width: 1 }],
      bands: [{ series: [3, 2], fill: 'rgba(156, 54, 181, 0.12)' }],
      axes: [categoryAxis('policy snapshot', names.map((p) => p.replace(/^policy-/, '#'))), axis('Elo')],
    }, data, 'No Elo table yet.');
  }

  const bars = () => uPlot.paths.bars({ size: [0.6, 48] });

  function drawLabeling(stats) {
    const days = Object.keys(stats.by_day || {}).sort();
    draw('per-day', {
      series: [{ label: 'day' },
        { label: 'comparisons', stroke: COLORS[0], fill: 'rgba(36, 99, 235, 0.35)', paths: bars(), points: { show: false } }],
      scales: { x: { time: true, range: (u, lo, hi) => [lo - 43200, hi + 43200] }, y: { range: (u, lo, hi) => [0, hi * 1.1] } },
      axes: [axis('day (UTC)', { values: (u, s) => s.map((t) => new Date(t * 1000).toISOString().slice(5, 10)) }),
        axis('comparisons')],
    }, [days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000), days.map((d) => num(stats.by_day[d]))],
    'No comparisons yet.');

    const labelers = Object.entries(stats.by_labeler || {}).map(([k, v]) => [k, num(v)])
      .sort((a, b) => b[1] - a[1]).slice(0, 20);
    draw('per-labeler', {
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, labelers.length - 0.5)] }, y: { range: (u, lo, hi) => [0, hi * 1.1] } },
      series: [{ label: 'labeler' },
        { label: 'comparisons', stroke: COLORS[2], fill: 'rgba(26, 127, 75, 0.35)', paths: bars(), points: { show: false } }],
      axes: [categoryAxis('labeler', labelers.map((l) => l[0])), axis('comparisons')],
    }, [labelers.map((_, i) => i), labelers.map((l) => l[1])], 'No comparisons yet.');
  }

  // The running iteration (or the newest one): stage chips, stage progress,
  // and the PPO step it is on.
  function drawLive(records) {
    const el = $('live');
    el.textContent = '';
    const running = [...records].reverse().find((r) => !TERMINAL.has(r.iteration.stage));
    const rec = running || records[records.length - 1];
    if (!rec) {
      el.innerHTML = '<p class="note">No iteration yet. Trigger one with <code>shammie trigger</code>.</p>';
      return;
    }
    const it = rec.iteration;
    const stage = it.stage || 'PENDING';
    const at = STAGES.indexOf(stage);
    const head = document.createElement('div');
    head.className = 'live-id';
    head.textContent = `${it.id} · ${running ? 'running' : stage.toLowerCase()}`;
    el.appendChild(head);
    const ul = document.createElement('ul');
    ul.className = 'stages';
    for (const [i, s] of STAGES.slice(1).entries()) {
      const li = document.createElement('li');
      li.textContent = s.replace('_', ' ').toLowerCase();
      if (s === stage) li.className = 'current';
      else if (at > i + 1 || stage === 'SUCCEEDED') li.className = 'done';
      ul.appendChild(li);
    }
    if (stage === 'FAILED' || stage === 'CANCELLED') {
      const li = document.createElement('li');
      li.className = 'failed';
      li.textContent = stage.toLowerCase();
      ul.appendChild(li);
    }
    el.appendChild(ul);
    const progress = TERMINAL.has(stage) ? 1 : Math.max(0, Math.min(1, num(it.stage_progress) || 0));
    const bar = document.createElement('div');
    bar.className = 'progress';
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuenow', String(Math.round(progress * 100)));
    const fill = document.createElement('div');
    fill.style.width = `${(progress * 100).toFixed(1)}%`;
    bar.appendChild(fill);
    el.appendChild(bar);
    const steps = (rec.ppo && rec.ppo.steps) || [];
    const last = steps[steps.length - 1];
    const facts = [['stage progress', `${Math.round(progress * 100)}%`],
      ['comparisons used', it.watermark ? String(it.watermark) : '–'],
      ['PPO steps', String(steps.length)],
      ['reward · √KL', last ? `${fmt(num(last.reward))} · ${fmt(num(last.sqrt_kl))}` : '–'],
      ['gold reward', last ? fmt(num(last.gold_reward)) : '–']];
    if (it.error) facts.push(['error', it.error]);
    const dl = document.createElement('dl');
    dl.className = 'live-facts';
    for (const [k, v] of facts) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    }
    el.appendChild(dl);
  }

  function drawSummary(records, stats) {
    $('sum-iterations').textContent = String(records.length);
    $('sum-comparisons').textContent = stats ? String(num(stats.comparisons) ?? 0) : '–';
    const done = [...records].reverse().find((r) => r.iteration.stage === 'SUCCEEDED' && r.ppo && (r.ppo.steps || []).length);
    $('sum-fit').textContent = done ? `${fmt(num(done.ppo.fit_b), 2)} · ${fmt(num(done.ppo.fit_r2), 2)}` : '–';
    const gold = done ? num(done.iteration.gold_reward) : null;
    $('sum-gold').textContent = fmt(gold);
  }

  let last = null;
  function render() {
    if (!last) return;
    const { records, stats } = last;
    drawSummary(records, stats);
    drawLive(records);
    drawRewardKl(records);
    drawTrainTest(records);
    drawPm(records);
    drawReliability(records);
    drawElo(records);
    if (stats) drawLabeling(stats);
    state.renders += 1;
    state.ready = true;
  }

  async function refresh() {
    const status = $('status');
    try {
      const [history, stats] = await Promise.all([
        getJson('/api/v1/iterations'),
        getJson('/api/v1/labeling').catch(() => null),
      ]);
      last = { records: history.iterations || [], stats };
      render();
      status.className = '';
      status.textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
    } catch (err) {
      state.errors.push(String(err));
      status.className = 'error';
      status.textContent = `cannot load: ${err.message}`;
    }
  }

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 150);
  });
  refresh();
  setInterval(refresh, POLL_MS);
})();
