// The built-in dashboard with data from a real finished iteration: `shammie up
// --iterations 1 --exit-when-done` runs the whole loop on a small
// configuration (the tiny_base fixture, simulated labelers, a short PPO run),
// then a shammie-collector opens the same data dir and artifact folder and
// headless Debian chromium checks that every chart draws that iteration's
// data: the PPO curve (reward against sqrt(KL) with the fitted line), the
// train-PM vs test-PM rewards, PM accuracy/ECE and the reliability diagram,
// and the comparisons per day and per labeler. (The Elo chart needs
// comparisons between two deployed snapshots, which exist only from the
// second round on; dashboard.test.js draws it from a multi-iteration history.)
//
// (dashboard.test.js covers several iterations, the fit legend and live
// progress with a fixture history; this one proves the scheduler's real
// records feed the same page.)
//
//   ctest -R e2e/dashboard_live_test   (needs the tiny_base fixture)
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Collector, launchBrowser } = require('./collector');

const SOURCE = process.env.SHAMMIE_SOURCE_DIR || path.resolve(__dirname, '..', '..');
const BIN = process.env.SHAMMIE_BIN_DIR || path.join(SOURCE, 'build', 'bin');
const BASE = process.env.SHAMMIE_TINY_BASE_DIR;
const CHARTS = ['reward-kl', 'train-test', 'pm', 'reliability', 'per-day', 'per-labeler'];
const PPO_STEPS = 6;

// Runs one real iteration; resolves with what `up` printed.
function runOneIteration(dataDir) {
  return new Promise((resolve, reject) => {
    const up = spawn(path.join(BIN, 'shammie'), [
      'up', '--data-dir', dataDir, '--base-policy', BASE, '--iterations', '1', '--exit-when-done',
      '--period', '2s', '--labelers', '4',
      '--ppo-spec', `steps: ${PPO_STEPS} batch_size: 16 minibatch_size: 8 ppo_epochs: 1 max_response_tokens: 16`,
      '--listen', '127.0.0.1:0', '--http-listen', '', '--scheduler-listen', '127.0.0.1:0',
      '--pm-trainer-listen', '127.0.0.1:0', '--ppo-trainer-listen', '127.0.0.1:0',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    up.stdout.on('data', (d) => { log += d; });
    up.stderr.on('data', (d) => { log += d; });
    up.on('error', reject);
    up.on('exit', (code) => (code === 0 ? resolve(log) : reject(new Error(`shammie up exited ${code}:\n${log.slice(-4000)}`))));
  });
}

let dataDir;
let collector;
let browser;

before(async () => {
  assert.ok(BASE, 'SHAMMIE_TINY_BASE_DIR not set (fixture tiny_base)');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shammie-e2e-up-'));
  await runOneIteration(dataDir);
  collector = await Collector.start(['--artifact-dir', path.join(dataDir, 'artifacts')], { dataDir });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (collector) await collector.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('every chart draws the data of a real finished iteration', async () => {
  const list = await (await fetch(`${collector.url}/api/v1/iterations`)).json();
  assert.equal(list.iterations.length, 1, JSON.stringify(list));
  for (const record of list.iterations) {
    assert.equal(record.iteration.stage, 'SUCCEEDED', JSON.stringify(record.iteration));
  }

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${collector.url}/dashboard`);
  await page.waitForFunction(() => window.shammieDashboard && window.shammieDashboard.ready);

  const shape = await page.evaluate((names) => names.map((n) => {
    const u = window.shammieDashboard.charts[n];
    if (!u) return { n, missing: true };
    return { n, points: u.data[0].length,
      filled: u.data.slice(1).map((ys) => ys.filter((y) => y !== null && y !== undefined).length) };
  }), CHARTS);
  const byName = Object.fromEntries(shape.map((s) => [s.n, s]));
  for (const s of shape) {
    assert.ok(!s.missing, `chart ${s.n} was not drawn`);
    assert.ok(s.points >= 1 && s.filled[0] >= 1, `chart ${s.n} has no data: ${JSON.stringify(s)}`);
  }
  // The PPO curve: one point per step, and the fitted line beside it.
  // (x is sqrt(KL): steps at the same KL share a point, so up to PPO_STEPS.)
  assert.ok(byName['reward-kl'].filled[0] >= 2 && byName['reward-kl'].filled[0] <= PPO_STEPS,
    JSON.stringify(byName['reward-kl']));
  assert.equal(byName['train-test'].points, PPO_STEPS);
  assert.ok(byName['train-test'].filled[1] === PPO_STEPS, 'the test PM scored every step');
  // The PM: one iteration; the reliability diagram has its non-empty bins (of ten).
  assert.equal(byName.pm.points, 1);
  const bins = record => record.pm.reliability.filter((b) => Number(b.count) > 0).length;
  assert.equal(byName.reliability.filled[0], bins(list.iterations[0]), JSON.stringify(byName.reliability));
  // Comparisons: today, by the crowd of four simulated labelers and the starter set.
  assert.equal(byName['per-day'].points, 1);
  assert.ok(byName['per-labeler'].points >= 4, JSON.stringify(byName['per-labeler']));  // the crowd (and the starter set's)
  const stats = await (await fetch(`${collector.url}/api/v1/labeling`)).json();
  assert.ok(Number(stats.comparisons) > 0, JSON.stringify(stats));
  assert.equal(await page.locator('#sum-iterations').innerText(), '1');
  assert.deepEqual(errors, [], 'errors in the page');
  await page.close();
});
