// The built-in dashboard end to end: a real shammie-collector with real
// comparisons (labelers submitting through the JSON API, a week of history
// imported through gRPC ImportComparisons), iteration records in its artifact
// folder, and headless Debian chromium (playwright-core) checking that every
// chart renders with data.
//
// The iteration records are a fixture written the way the scheduler writes
// them (services/dashboard/iteration_history.h: <artifact_dir>/history/<id>.json,
// protobuf JSON of shammie.v1.IterationRecord): three finished iterations and
// one in TRAIN_POLICY. The curves follow reward ≈ a + b·sqrt(KL) with noise,
// and the fit stored with each is least squares over its own points.
//
//   node --test tests/e2e/dashboard.test.js              (ctest: e2e/dashboard_test)
//   SHAMMIE_SCREENSHOT_DIR=docs/img node --test tests/e2e/dashboard.test.js
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Collector, launchBrowser } = require('./collector');

const SCREENSHOT_DIR = process.env.SHAMMIE_SCREENSHOT_DIR || '';
const CHARTS = ['reward-kl', 'train-test', 'pm', 'reliability', 'elo', 'per-day', 'per-labeler'];

// Deterministic noise (a small LCG), so the fixture is the same every run.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}

function leastSquares(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b) / n;
  const my = ys.reduce((a, b) => a + b) / n;
  let sxy = 0; let sxx = 0; let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const b = sxy / sxx;
  const a = my - b * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (ys[i] - (a + b * xs[i])) ** 2;
  return { a, b, r2: 1 - ssr / syy };
}

// One iteration's record: `steps` PPO steps whose KL grows to `maxKl`.
function iterationRecord(n, { stage, steps, slope, stageProgress = 1 }) {
  const noise = rng(n * 7919);
  const ppoSteps = [];
  for (let s = 1; s <= steps; s++) {
    const kl = 9 * (s / 40) ** 1.5;
    const sq = Math.sqrt(kl);
    const reward = 0.05 + slope * sq + 0.35 * noise();
    const parting = Math.max(0, sq - 1.8) * 0.35;  // the test PM stops agreeing late
    ppoSteps.push({
      step: s, reward, kl, sqrt_kl: sq, beta: 0.05, entropy: 2.1 - 0.02 * s,
      clip_fraction: 0.08 + 0.04 * noise(), response_length: 24 + 4 * noise(),
      test_reward: reward - parting + 0.05 * noise(),
      gold_reward: 0.02 + 0.6 * slope * sq - parting * 0.8 + 0.05 * noise(),
    });
  }
  const done = stage === 'SUCCEEDED';
  const fit = done ? leastSquares(ppoSteps.map((p) => p.sqrt_kl), ppoSteps.map((p) => p.reward)) : null;
  const acc = 0.62 + 0.03 * n;
  const reliability = [];
  for (let b = 0; b < 10; b++) {
    const lo = b / 10;
    const mean = lo + 0.05;
    reliability.push({ predicted_low: lo, predicted_high: lo + 0.1, mean_predicted: mean,
      observed: Math.min(1, Math.max(0, mean + (0.5 - mean) * 0.15 + 0.04 * noise())),
      count: String(20 + Math.round(30 * (1 - Math.abs(mean - 0.5)))) });
  }
  const elo = [];
  for (let p = 0; p < n; p++) {
    const e = p === 0 ? 0 : 60 * p + 10 * noise();
    elo.push({ policy: `policy-${String(p).padStart(4, '0')}`, elo: e, low: e - 35 + 5 * p, high: e + 35 - 5 * p, comparisons: String(300 * (n - p)) });
  }
  const last = ppoSteps[ppoSteps.length - 1];
  return {
    iteration: {
      id: `iter-${String(n).padStart(4, '0')}`, key: `week-${n}`, stage,
      watermark: String(400 * n), pm_accuracy: acc, pm_ece: 0.06 - 0.01 * n,
      reward: last.reward, kl: last.kl, fit_slope: fit ? fit.b : 0, fit_r2: fit ? fit.r2 : 0,
      gold_reward: last.gold_reward, elo: elo[elo.length - 1].elo, stage_progress: stageProgress,
      policy_checkpoint: done ? `artifacts/policy-${String(n).padStart(4, '0')}` : '',
    },
    ppo: { steps: ppoSteps, ...(fit ? { fit_a: fit.a, fit_b: fit.b, fit_r2: fit.r2 } : {}) },
    pm: { train_comparisons: String(380 * n), test_comparisons: String(20 * n), test_accuracy: acc,
      ece: 0.06 - 0.01 * n, test_loss: 0.66 - 0.02 * n, reliability, gold_accuracy: acc + 0.08 },
    test_pm: { train_comparisons: String(190 * n), test_comparisons: String(20 * n),
      test_accuracy: acc - 0.03, ece: 0.07 - 0.01 * n },
    elo,
  };
}

function writeHistory(artifactDir) {
  const dir = path.join(artifactDir, 'history');
  fs.mkdirSync(dir, { recursive: true });
  const records = [
    iterationRecord(1, { stage: 'SUCCEEDED', steps: 40, slope: 0.55 }),
    iterationRecord(2, { stage: 'SUCCEEDED', steps: 40, slope: 0.7 }),
    iterationRecord(3, { stage: 'SUCCEEDED', steps: 40, slope: 0.8 }),
    iterationRecord(4, { stage: 'TRAIN_POLICY', steps: 12, slope: 0.85, stageProgress: 0.3 }),
  ];
  for (const r of records) {
    fs.writeFileSync(path.join(dir, `${r.iteration.id}.json`), JSON.stringify(r, null, 1));
  }
  return records;
}

// A week of comparisons from simulated labelers, each dated on its day
// (ImportComparisons keeps created_at), as the operator.
function importWeek(collector) {
  return new Promise((resolve, reject) => {
    const call = collector.client().ImportComparisons(collector.metadata(), (err, summary) => {
      if (err) reject(err); else resolve(summary);
    });
    const now = Date.now();
    const noise = rng(42);
    let k = 0;
    for (let d = 6; d >= 1; d--) {
      const perDay = 8 + d * 3 + Math.round(6 * noise());
      for (let i = 0; i < perDay; i++, k++) {
        const t = new Date(now - d * 86400000 + i * 60000);
        call.write({
          context: { turns: [{ role: 'HUMAN', text: `Question ${k}: what is ${k} + ${k}?` }] },
          response_a: { text: `${2 * k}.`, policy: 'policy-0001' },
          response_b: { text: `${2 * k + 1}.`, policy: 'policy-0002' },
          preference: 1 + (k % 8),
          labeler: `sim-${(k % 4) + 1}`,
          source: 'SOURCE_SIMULATED',
          created_at: { seconds: String(Math.floor(t.getTime() / 1000)), nanos: 0 },
          client_request_id: `import-${k}`,
        });
      }
    }
    call.end();
  });
}

// Labelers label today's tasks through the JSON API, as the page does.
async function labelToday(collector, name, count) {
  const secret = await collector.createLabeler(name);
  for (let i = 0; i < count; i++) {
    await collector.createTask(`${name} task ${i}: name a prime above ${10 * i}.`, `${nextPrime(10 * i)}`, `${10 * i + 1}`);
  }
  const auth = { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' };
  for (let i = 0; i < count; i++) {
    const next = await fetch(`${collector.url}/api/v1/tasks:next`, { method: 'POST', headers: auth, body: '{}' });
    assert.equal(next.status, 200, await next.clone().text());
    const task = await next.json();
    const sub = await fetch(`${collector.url}/api/v1/comparisons`, {
      method: 'POST', headers: auth,
      body: JSON.stringify({ task_id: task.id, preference: 2, client_request_id: `${name}-${i}` }),
    });
    assert.equal(sub.status, 200, await sub.clone().text());
  }
}

function nextPrime(n) {
  const isPrime = (k) => k > 1 && [...Array(Math.floor(Math.sqrt(k)) + 1).keys()].slice(2).every((d) => k % d);
  let k = n + 1;
  while (!isPrime(k)) k++;
  return k;
}

let collector;
let browser;
let artifactDir;
let records;

before(async () => {
  artifactDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shammie-artifacts-'));
  records = writeHistory(artifactDir);
  collector = await Collector.start(['--artifact-dir', artifactDir, '--http-requests-per-second', '0']);
  const summary = await importWeek(collector);
  assert.ok(Number(summary.imported) > 50, JSON.stringify(summary));
  await labelToday(collector, 'alice', 5);
  await labelToday(collector, 'bob', 3);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (collector) await collector.stop();
  fs.rmSync(artifactDir, { recursive: true, force: true });
});

// Counts the canvas pixels that are not background: a chart that drew
// nothing but its axes has few.
function inkedPixels(page, name) {
  return page.evaluate((n) => {
    const u = window.shammieDashboard.charts[n];
    const c = u.ctx.canvas;
    const d = u.ctx.getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) inked++;
    return inked;
  }, name);
}

test('every chart renders with data from finished iterations and real comparisons', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${collector.url}/dashboard`);
  await page.waitForFunction(() => window.shammieDashboard && window.shammieDashboard.ready);

  const shape = await page.evaluate((names) => names.map((n) => {
    const u = window.shammieDashboard.charts[n];
    if (!u) return { n, missing: true };
    return { n, points: u.data[0].length, series: u.series.length,
      filled: u.data.slice(1).map((ys) => ys.filter((y) => y !== null && y !== undefined).length),
      width: u.width, height: u.height };
  }), CHARTS);
  for (const s of shape) {
    assert.ok(!s.missing, `chart ${s.n} was not drawn`);
    assert.ok(s.points >= 2, `chart ${s.n} has ${s.points} x values`);
    assert.ok(s.filled[0] >= 2, `chart ${s.n}'s first series has ${s.filled[0]} values`);
    assert.ok(s.width >= 300 && s.height >= 200, `chart ${s.n} is ${s.width}x${s.height}`);
    assert.ok(await inkedPixels(page, s.n) > 2000, `chart ${s.n} drew almost nothing`);
  }
  const byName = Object.fromEntries(shape.map((s) => [s.n, s]));
  // Reward vs sqrt(KL): four iterations of points, three fitted lines.
  assert.equal(byName['reward-kl'].series, 1 + 4 + 3);
  assert.equal(byName['reward-kl'].filled.filter((f) => f >= 12).length, 4);
  const legend = await page.locator('#chart-reward-kl .u-legend').innerText();
  for (const r of records.slice(0, 3)) {
    assert.ok(legend.includes(`R²=${r.ppo.fit_r2.toFixed(2)}`), `legend lacks ${r.iteration.id}'s R²: ${legend}`);
  }
  // Train vs test PM: the newest finished run.
  assert.match(await page.locator('#train-test-iter').innerText(), /iter-0003/);
  assert.equal(byName['train-test'].points, 40);
  // PM accuracy and ECE: one point per iteration.
  assert.equal(byName.pm.points, 4);
  // Reliability diagram of the latest PM: ten bins.
  assert.equal(byName.reliability.filled[0], 10);
  // Elo: the newest table has four snapshots.
  assert.equal(byName.elo.points, 4);
  // Comparisons: six imported days and today; four simulated labelers and two people.
  assert.equal(byName['per-day'].points, 7);
  assert.equal(byName['per-labeler'].points, 6);
  const perDayTotal = await page.evaluate(() => window.shammieDashboard.charts['per-day'].data[1].reduce((a, b) => a + b, 0));
  const stats = await (await fetch(`${collector.url}/api/v1/labeling`)).json();
  assert.equal(perDayTotal, Number(stats.comparisons));
  assert.equal(Number(stats.by_labeler.alice), 5);
  assert.equal(Number(stats.by_labeler.bob), 3);

  // The running iteration's live progress.
  const live = await page.locator('#live').innerText();
  assert.match(live, /iter-0004 · running/);
  assert.equal(await page.locator('#live .stages li.current').innerText(), 'train policy');
  assert.equal(await page.locator('#live .progress').getAttribute('aria-valuenow'), '30');
  assert.equal(await page.locator('#sum-iterations').innerText(), '4');
  const fit3 = records[2].ppo;
  assert.equal(await page.locator('#sum-fit').innerText(), `${fit3.fit_b.toFixed(2)} · ${fit3.fit_r2.toFixed(2)}`);

  if (SCREENSHOT_DIR) {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });
  }
  assert.deepEqual(errors, [], 'errors in the page');
  await page.close();
});

test('live progress follows the running iteration as its record changes', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${collector.url}/dashboard`);
  await page.waitForFunction(() => window.shammieDashboard && window.shammieDashboard.ready);
  // The scheduler moves iteration 4 on to EVALUATE and writes its record.
  const rec = records[3];
  rec.iteration.stage = 'EVALUATE';
  rec.iteration.stage_progress = 0.5;
  const file = path.join(artifactDir, 'history', 'iter-0004.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(rec));
  fs.renameSync(`${file}.tmp`, file);
  await page.waitForFunction(() => {
    const li = document.querySelector('#live .stages li.current');
    return li && li.textContent === 'evaluate';
  }, null, { timeout: 15000 });
  await page.close();
});

test('history outlives a collector restart', async () => {
  const second = await Collector.start(['--artifact-dir', artifactDir]);
  try {
    const list = await (await fetch(`${second.url}/api/v1/iterations`)).json();
    assert.deepEqual(list.iterations.map((r) => r.iteration.id), ['iter-0001', 'iter-0002', 'iter-0003', 'iter-0004']);
    const curve = await (await fetch(`${second.url}/api/v1/iterations/iter-0002/curve`)).json();
    assert.equal(curve.steps.length, 40);
    assert.ok(Math.abs(curve.fit_r2 - records[1].ppo.fit_r2) < 1e-9);
    const missing = await fetch(`${second.url}/api/v1/iterations/iter-0404`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'NOT_FOUND');
  } finally {
    await second.stop();
  }
});
