// The labeler page end to end: a real shammie-collector, headless Debian
// chromium driven by playwright-core, the keyboard alone, and the stored
// comparisons read back through the collector's gRPC ExportComparisons.
//
//   node --test tests/e2e/                        (ctest runs this as e2e/labeler)
//   SHAMMIE_SCREENSHOT_DIR=docs/img node --test tests/e2e/   (refreshes the guide's pictures)
'use strict';

const { test, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Collector } = require('./collector');

const SCREENSHOT_DIR = process.env.SHAMMIE_SCREENSHOT_DIR || '';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let collector;
let context;
let profileDir;
let pageErrors = [];

async function newPage(viewport = { width: 1280, height: 800 }) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on('pageerror', (err) => pageErrors.push(err));
  return page;
}

beforeEach(async () => {
  collector = await Collector.start();
  // A fresh profile per test: nothing carried over between tests.
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shammie-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.SHAMMIE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-quic'],
  });
});

afterEach(async () => {
  await context.close();
  const errors = pageErrors;
  pageErrors = [];
  fs.rmSync(profileDir, { recursive: true, force: true });
  await collector.stop();
  assert.deepEqual(errors.map(String), [], 'uncaught errors in the page');
});

// Signs in by typing the token and pressing Enter (the field has focus).
async function signIn(page, token) {
  await page.goto(collector.url);
  await page.locator('#token').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'token');
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
}

// The first human turn of the task on screen (tasks here have one each).
async function taskPrompt(page) {
  await page.locator('#task').waitFor({ state: 'visible' });
  return page.locator('#turns .turn.human .text').first().innerText();
}

// Waits until the page shows a different task than `prompt`, or "no tasks left".
async function waitPast(page, prompt) {
  await page.waitForFunction((p) => {
    const empty = !document.getElementById('empty').hidden;
    const t = document.querySelector('#turns .turn.human .text');
    return empty || (!document.getElementById('task').hidden && t && t.textContent !== p);
  }, prompt);
}

test('signs in, labels three tasks with the keyboard only, stores exactly those', async () => {
  const alice = await collector.createLabeler('alice');
  // Realistic tasks: the screenshots of this test illustrate docs/labelers.md.
  const tasks = [
    ['At what temperature does water boil at the top of Mount Everest?',
      'About 70 °C (158 °F). At 8,849 m the air pressure is roughly a third of that at sea ' +
      'level, and water boils when its vapour pressure reaches the surrounding pressure.',
      '100 °C, like everywhere else.'],
    ['How do I undo my last git commit but keep the changes?',
      'Delete the .git folder and clone the repository again.',
      'Run `git reset --soft HEAD~1`. The commit is undone and its changes stay staged; ' +
      'use `git reset HEAD~1` instead to keep them unstaged.'],
    ['Write a haiku about rain on a tin roof.',
      'Tin roof drums softly\nsilver threads stitch night to dawn\nthe kettle answers',
      'Rain falls on the roof. It makes a sound on the roof. The end.'],
  ];
  const prompts = tasks.map((t) => t[0]);
  const ids = {};
  for (const [p, a, b] of tasks) ids[p] = (await collector.createTask(p, a, b)).id;

  const page = await newPage();
  await signIn(page, alice);
  await page.locator('#task').waitFor({ state: 'visible' });
  // shammie-collector always runs the sampler: the page offers "continue the
  // conversation" (before a deploy, a continuation gets a clear refusal).
  assert.ok(await page.locator('#continue').isVisible());
  const chosen = {};
  const keys = ['2', '7', '4'];
  for (let i = 0; i < 3; i++) {
    const prompt = await taskPrompt(page);
    assert.ok(ids[prompt], `unexpected task on screen: ${prompt}`);
    assert.equal(await page.locator('#resp-a').innerText(), tasks[prompts.indexOf(prompt)][1]);
    if (i === 0 && SCREENSHOT_DIR) {
      await page.keyboard.press(keys[i]);
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'labeler-1280x800.png') });
      await page.setViewportSize({ width: 400, height: 800 });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'labeler-400x800.png') });
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    await page.keyboard.press(keys[i]);
    assert.ok(await page.locator(`#pref-${keys[i]}`).isChecked());
    await page.keyboard.press('Enter');
    chosen[ids[prompt]] = Number(keys[i]);
    await waitPast(page, prompt);
  }
  // All three done: the page says so, and the counter says three.
  await page.locator('#empty').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.getElementById('today').textContent === '3');
  if (SCREENSHOT_DIR) {
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'labeler-done-1280x800.png') });
  }
  // After a reload the counter can only come from the collector's stats.
  await page.reload();
  await page.locator('#empty').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.getElementById('today').textContent === '3');

  const stored = await collector.exportComparisons();
  assert.equal(stored.length, 3, JSON.stringify(stored));
  for (const c of stored) {
    assert.equal(c.labeler, 'alice');
    assert.equal(c.preference, chosen[c.task_id], `task ${c.task_id}`);
  }
  assert.deepEqual(new Set(stored.map((c) => c.task_id)), new Set(Object.keys(chosen)));
});

test('a wrong token shows an error and stores nothing', async () => {
  await collector.createTask('Anything?', 'yes', 'no');
  const page = await newPage();
  await signIn(page, 'not-a-real-token');
  const error = page.locator('#signin-error');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.innerText(), /not accepted/);
  assert.ok(await page.locator('#task').isHidden());
  // The bad token is not kept for the next load.
  assert.equal(await page.evaluate(() => sessionStorage.getItem('shammie.token')), null);
  if (SCREENSHOT_DIR) {
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'labeler-wrong-token.png') });
  }
  assert.equal((await collector.exportComparisons()).length, 0);
});

test('a network failure at sign-in says so and recovers by itself', async () => {
  const gus = await collector.createLabeler('gus');
  await collector.createTask('Still there?', 'yes', 'no');
  const page = await newPage();
  let cut = true;
  await page.route('**/api/v1/me', (route) => (cut ? route.abort('internetdisconnected')
    : route.continue()));
  await signIn(page, gus);
  await page.locator('#notice', { hasText: 'Cannot reach the collector' }).waitFor();
  assert.ok(await page.locator('#signin-error').isHidden());
  cut = false;  // the network comes back; the page retries on its own
  assert.equal(await taskPrompt(page), 'Still there?');
  assert.ok(await page.locator('#notice').isHidden());
});

test('a submit cut by the network or refused with 503 is retried and stored once', async () => {
  const bob = await collector.createLabeler('bob');
  const first = await collector.createTask('Cut before sending?', 'a1', 'b1');
  const second = await collector.createTask('Cut after storing?', 'a2', 'b2');
  const third = await collector.createTask('Collector busy?', 'a3', 'b3');
  const page = await newPage();

  // The first POST never reaches the collector; the third reaches it but its
  // answer is lost on the way back; the fifth gets 503 as from an overloaded
  // collector. Everything else goes through.
  const sent = [];
  await page.route('**/api/v1/comparisons', async (route) => {
    sent.push(JSON.parse(route.request().postData()));
    switch (sent.length) {
      case 1: return route.abort('internetdisconnected');
      case 3:
        await route.fetch();  // stored by the collector…
        return route.abort('connectionreset');  // …but the page never hears back
      case 5: return route.fulfill({
        status: 503, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'try again' } }),
      });
      default: return route.continue();
    }
  });

  await signIn(page, bob);
  const expected = {};
  for (const [task, key] of [[first, '6'], [second, '3'], [third, '1']]) {
    const prompt = await taskPrompt(page);
    assert.equal(prompt, task.context.turns[0].text);
    await page.keyboard.press(key);
    await page.keyboard.press('Enter');
    expected[task.id] = Number(key);
    if (task === first) await page.locator('#notice', { hasText: 'Network failure' }).waitFor();
    if (task === third) await page.locator('#notice', { hasText: 'busy (503)' }).waitFor();
    await waitPast(page, prompt);
  }
  await page.locator('#empty').waitFor({ state: 'visible' });

  // Each retry re-sent the same client_request_id; each task got its own.
  assert.equal(sent.length, 6);
  for (const i of [0, 2, 4]) {
    assert.equal(sent[i].client_request_id, sent[i + 1].client_request_id);
    assert.equal(sent[i].preference, sent[i + 1].preference);
  }
  assert.equal(new Set(sent.map((b) => b.client_request_id)).size, 3);

  const stored = await collector.exportComparisons();
  assert.equal(stored.length, 3, JSON.stringify(stored));
  assert.deepEqual(Object.fromEntries(stored.map((c) => [c.task_id, c.preference])), expected);
  await page.waitForFunction(() => document.getElementById('today').textContent === '3');
});

test('a reload keeps the place, the choice and a pending submit', async () => {
  const carol = await collector.createLabeler('carol');
  const first = await collector.createTask('Reload me?', 'x', 'y');
  await collector.createTask('And then me?', 'z', 'w');
  const page = await newPage();
  await signIn(page, carol);
  assert.equal(await taskPrompt(page), 'Reload me?');
  await page.keyboard.press('8');

  // Reloading keeps the token, the task and the choice.
  await page.reload();
  assert.equal(await taskPrompt(page), 'Reload me?');
  assert.ok(await page.locator('#pref-8').isChecked());

  // A submit the network drops, then a reload before the retry: the reloaded
  // page sends the same request again, and it is stored once.
  let dropped = null;
  await page.route('**/api/v1/comparisons', (route) => {
    dropped = JSON.parse(route.request().postData());
    return route.abort('internetdisconnected');
  });
  await page.keyboard.press('Enter');
  await page.locator('#notice', { hasText: 'Network failure' }).waitFor();
  await page.unroute('**/api/v1/comparisons');
  const resent = [];
  await page.route('**/api/v1/comparisons', (route) => {
    resent.push(JSON.parse(route.request().postData()));
    return route.continue();
  });
  await page.reload();
  assert.equal(await taskPrompt(page), 'And then me?');
  assert.ok(dropped);
  // (Usually one resend from the reloaded page; the old page's timer may
  // also have fired before the reload. Either way: the same request.)
  assert.ok(resent.length >= 1);
  for (const r of resent) {
    assert.equal(r.client_request_id, dropped.client_request_id);
    assert.equal(r.preference, 8);
  }

  const stored = await collector.exportComparisons();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].task_id, first.id);
  assert.equal(stored[0].preference, 8);
});

test('S skips a task as unsure without storing a comparison', async () => {
  const dave = await collector.createLabeler('dave');
  await collector.createTask('Too hard?', 'p', 'q');
  const page = await newPage({ width: 400, height: 800 });
  await signIn(page, dave);
  assert.equal(await taskPrompt(page), 'Too hard?');
  await page.keyboard.press('s');
  await page.locator('#empty').waitFor({ state: 'visible' });
  assert.equal((await collector.exportComparisons()).length, 0);
});

// axe-core's WCAG 2.1 A and AA rules (contrast, labels, names, landmarks…).
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const result = await axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
    });
    return result.violations.map((v) =>
      `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
}

test('the page passes WCAG 2.1 AA checks signed out, on a task and with an error', async () => {
  const erin = await collector.createLabeler('erin');
  await collector.createTask('Is this readable?', 'Yes, it is.', 'No.');
  const page = await newPage();
  await signIn(page, 'wrong');
  await page.locator('#signin-error').waitFor({ state: 'visible' });
  assert.deepEqual(await axeViolations(page), [], 'sign-in with an error');
  await page.keyboard.type(erin);
  await page.keyboard.press('Enter');
  await taskPrompt(page);
  await page.keyboard.press('5');
  assert.deepEqual(await axeViolations(page), [], 'task, wide');
  await page.setViewportSize({ width: 400, height: 800 });
  assert.deepEqual(await axeViolations(page), [], 'task, narrow');
  // Keyboard focus is visible: the focused control draws an outline.
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => {
    const el = document.activeElement;
    // The scale's radios are drawn by their labels, which carry the outline.
    const drawn = el.type === 'radio' ? document.querySelector(`label[for="${el.id}"]`) : el;
    return { id: el.id, style: getComputedStyle(drawn).outlineStyle };
  });
  assert.equal(outline.id, 'pref-5');
  assert.equal(outline.style, 'solid');
});

test('the continue box: Ctrl+Enter submits, and a refusal keeps the task with the message', async () => {
  const fay = await collector.createLabeler('fay');
  const task = await collector.createTask('Tell me a joke.', 'Why did the chicken…', 'No.');
  const page = await newPage();
  // This collector has no sampler, so the page hides the box. Pretend it has
  // one (only /me is faked): the collector itself then refuses the follow-up
  // turn with 409, which the page must show without losing the task.
  await page.route('**/api/v1/me', async (route) => {
    const res = await route.fetch();
    const me = await res.json();
    return route.fulfill({ response: res, json: { ...me, sampler_configured: true } });
  });
  await signIn(page, fay);
  assert.equal(await taskPrompt(page), 'Tell me a joke.');
  await page.locator('#continue').waitFor({ state: 'visible' });
  await page.keyboard.press('1');
  await page.locator('#next-turn').focus();
  // Digits, S and Enter are text here, not commands.
  await page.keyboard.type('Another one, about 8 cats? Sure.');
  await page.keyboard.press('Enter');
  assert.ok(await page.locator('#pref-1').isChecked());
  assert.equal(await page.locator('#next-turn').inputValue(),
    'Another one, about 8 cats? Sure.\n');
  await page.keyboard.press('Control+Enter');
  const notice = page.locator('#notice.error');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.innerText(), /Could not save this answer: next_human_turn/);
  assert.equal(await taskPrompt(page), 'Tell me a joke.');
  assert.equal((await collector.exportComparisons()).length, 0);
  // Without the turn, the same choice goes through.
  await page.locator('#next-turn').fill('');
  await page.locator('#submit').focus();
  await page.keyboard.press('Enter');
  await page.locator('#empty').waitFor({ state: 'visible' });
  const stored = await collector.exportComparisons();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].task_id, task.id);
  assert.equal(stored[0].preference, 1);
});
