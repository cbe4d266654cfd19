// The labeler page: sign in with a token, label tasks on an 8-point scale
// with the keyboard alone, never lose or double a submit.
//
// State that must survive a reload lives in sessionStorage (this tab only,
// never in a URL): the token, the task on screen with the chosen preference,
// and the action in flight. A submit gets its client_request_id when the
// labeler presses Enter and keeps it until the server acknowledges it, so a
// retry after a network failure (or a reload) is counted once.
'use strict';

(() => {
  const KEY = {
    token: 'shammie.token',
    task: 'shammie.task',          // the LabelingTask on screen (JSON)
    choice: 'shammie.choice',      // the chosen preference for it, "1".."8"
    draft: 'shammie.draft',        // the "continue the conversation" text
    pending: 'shammie.pending',    // the submit or skip not yet acknowledged
  };
  const SCALE = [
    'A is much better', 'A is better', 'A is slightly better', 'A is barely better',
    'B is barely better', 'B is slightly better', 'B is better', 'B is much better',
  ];
  const EMPTY_POLL_MS = 30000;
  const MAX_RETRY_MS = 10000;

  const $ = (id) => document.getElementById(id);
  const store = {
    get: (k) => sessionStorage.getItem(k),
    set: (k, v) => sessionStorage.setItem(k, v),
    del: (...ks) => ks.forEach((k) => sessionStorage.removeItem(k)),
    json: (k) => { try { return JSON.parse(sessionStorage.getItem(k)); } catch { return null; } },
  };

  let busy = false;        // a request that changes state is in flight
  let emptyTimer = null;   // polls for new tasks while none are left
  let retryTimer = null;

  // ---- talking to the collector -------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || `HTTP ${status}`);
      this.status = status;        // 0 = the request never got an answer
      this.code = e.code || '';
      this.field = e.field || '';
    }
  }

  async function api(method, path, body) {
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: {
          'Authorization': `Bearer ${store.get(KEY.token) || ''}`,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError(0, { error: { message: 'network failure' } });
    }
    let json = null;
    try { json = await res.json(); } catch { /* not JSON: treated by status */ }
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }

  // Worth trying again unchanged: no answer, overloaded, or a server fault.
  const retryable = (err) => err.status === 0 || err.status === 429 || err.status >= 500;

  function newRequestId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // ---- what is on screen ----------------------------------------------------

  function show(section) {
    for (const id of ['signin', 'empty', 'task']) $(id).hidden = id !== section;
    $('who').hidden = section === 'signin';
  }

  function notice(text, kind = 'info') {
    const n = $('notice');
    n.hidden = !text;
    n.textContent = text || '';
    n.className = `notice ${kind}`;
  }

  function setBusy(on) {
    busy = on;
    $('submit').disabled = on;
    $('skip').disabled = on;
  }

  function buildScale() {
    const box = $('choices');
    SCALE.forEach((text, i) => {
      const n = i + 1;
      const id = `pref-${n}`;
      const input = Object.assign(document.createElement('input'),
        { type: 'radio', name: 'preference', id, value: String(n) });
      const label = document.createElement('label');
      label.htmlFor = id;
      label.className = n <= 4 ? 'side-a' : 'side-b';
      label.innerHTML = '<span class="num"></span><span class="txt"></span>';
      label.querySelector('.num').textContent = String(n);
      label.querySelector('.txt').textContent = text;
      input.addEventListener('change', () => choose(n));
      box.append(input, label);
    });
  }

  function choose(n) {
    $(`pref-${n}`).checked = true;
    store.set(KEY.choice, String(n));
    $('choose-first').hidden = true;
  }

  function chosen() {
    const c = Number(store.get(KEY.choice));
    return c >= 1 && c <= 8 ? c : 0;
  }

  function renderTask(task) {
    const turns = $('turns');
    turns.replaceChildren();
    for (const t of (task.context && task.context.turns) || []) {
      const li = document.createElement('li');
      const human = t.role === 'HUMAN';
      li.className = human ? 'turn human' : 'turn assistant';
      const who = document.createElement('span');
      who.className = 'speaker';
      who.textContent = human ? 'Human' : 'Assistant';
      const text = document.createElement('div');
      text.className = 'text';
      text.textContent = t.text;
      li.append(who, text);
      turns.append(li);
    }
    $('resp-a').textContent = (task.response_a && task.response_a.text) || '';
    $('resp-b').textContent = (task.response_b && task.response_b.text) || '';
    for (const r of document.querySelectorAll('input[name=preference]')) r.checked = false;
    const c = chosen();
    if (c) $(`pref-${c}`).checked = true;
    $('next-turn').value = store.get(KEY.draft) || '';
    $('choose-first').hidden = true;
    show('task');
  }

  async function refreshToday() {
    try {
      const stats = await api('GET', '/api/v1/stats');
      $('today').textContent = String(Number(stats.mine_today || 0));
    } catch { /* the counter is a nicety; the next success refreshes it */ }
  }

  // ---- the flow -------------------------------------------------------------

  function signedOut(message) {
    clearTimeout(emptyTimer);
    clearTimeout(retryTimer);
    store.del(KEY.token);
    show('signin');
    notice('');
    const err = $('signin-error');
    err.hidden = !message;
    err.textContent = message || '';
    $('token').value = '';
    $('token').focus();
  }

  // A failure nobody can fix by waiting is shown and not retried.
  function failed(err, what) {
    if (err.status === 401) {
      signedOut('Your token was not accepted (wrong, expired or revoked). Sign in again.');
      return;
    }
    if (err.status === 403) {
      notice(`This token may not ${what}: ask your operator for a labeler token.`, 'error');
      return;
    }
    notice(`Could not ${what}: ${err.message}`, 'error');
  }

  async function start() {
    notice('');
    let me;
    try {
      me = await api('GET', '/api/v1/me');
    } catch (err) {
      if (err.status === 401) {
        signedOut('That token was not accepted. Check it and try again.');
      } else if (retryable(err)) {
        show('signin');
        notice('Cannot reach the collector (network failure). Retrying…', 'error');
        retryTimer = setTimeout(start, 3000);
      } else {
        failed(err, 'sign in');
      }
      return;
    }
    $('me-name').textContent = me.name;
    $('continue').hidden = !me.sampler_configured;
    refreshToday();
    const pending = store.json(KEY.pending);
    if (pending) return flush(pending, 0);
    const task = store.json(KEY.task);
    if (task) {
      renderTask(task);
      $('task-title').focus();
      return;
    }
    return next();
  }

  async function next({ keepNotice = false } = {}) {
    clearTimeout(emptyTimer);
    setBusy(true);
    try {
      const task = await api('POST', '/api/v1/tasks:next', {});
      store.set(KEY.task, JSON.stringify(task));
      store.del(KEY.choice, KEY.draft);
      if (!keepNotice) notice('');
      renderTask(task);
      $('task-title').focus();
    } catch (err) {
      if (err.status === 404) {
        store.del(KEY.task, KEY.choice, KEY.draft);
        if (!keepNotice) notice('');
        show('empty');
        $('empty-title').focus();
        emptyTimer = setTimeout(() => next(), EMPTY_POLL_MS);
      } else if (retryable(err)) {
        notice('Cannot reach the collector (network failure) to get the next task. Retrying…',
          'error');
        retryTimer = setTimeout(() => next(), 3000);
      } else {
        failed(err, 'get a task');
      }
    } finally {
      setBusy(false);
    }
  }

  function submit() {
    if (busy) return;
    const task = store.json(KEY.task);
    if (!task) return;
    const preference = chosen();
    if (!preference) {
      $('choose-first').hidden = false;
      $('choices').querySelector('input').focus();
      return;
    }
    const body = { task_id: task.id, preference, client_request_id: newRequestId() };
    const turn = $('next-turn').value.trim();
    if (!$('continue').hidden && turn) body.next_human_turn = turn;
    const pending = { kind: 'submit', body };
    store.set(KEY.pending, JSON.stringify(pending));  // before the first byte leaves
    flush(pending, 0);
  }

  function skip() {
    if (busy) return;
    const task = store.json(KEY.task);
    if (!task) return;
    const pending = { kind: 'skip', task_id: task.id };
    store.set(KEY.pending, JSON.stringify(pending));
    flush(pending, 0);
  }

  // Sends the pending action until the server answers it. The same body (and
  // so the same client_request_id) goes out on every attempt.
  async function flush(pending, attempt) {
    clearTimeout(retryTimer);
    setBusy(true);
    try {
      if (pending.kind === 'submit') {
        await api('POST', '/api/v1/comparisons', pending.body);
      } else {
        await api('POST', `/api/v1/tasks/${encodeURIComponent(pending.task_id)}:skip`);
      }
    } catch (err) {
      if (retryable(err)) {
        const wait = Math.min(MAX_RETRY_MS, 1000 * 2 ** attempt);
        notice(`Network failure: your ${pending.kind === 'submit' ? 'answer' : 'skip'} is kept ` +
          `in this tab and will be sent again in ${Math.round(wait / 1000)} s.`, 'error');
        retryTimer = setTimeout(() => flush(pending, attempt + 1), wait);
        return;  // stays busy: nothing else may be submitted meanwhile
      }
      setBusy(false);
      if (err.status === 401) return failed(err, 'submit');  // pending kept for after sign-in
      // Refused for good: sending it again would not help.
      store.del(KEY.pending);
      failed(err, pending.kind === 'submit' ? 'save this answer' : 'skip this task');
      // A task that is gone makes way for the next one; otherwise the task
      // stays on screen so the labeler can fix what the message names.
      if (err.status === 404) next({ keepNotice: true });
      return;
    }
    store.del(KEY.pending, KEY.task, KEY.choice, KEY.draft);
    setBusy(false);
    if (pending.kind === 'submit') {
      $('today').textContent = String(Number($('today').textContent) + 1);
      refreshToday();
    }
    notice('');
    await next();
  }

  // ---- input ----------------------------------------------------------------

  function onKey(e) {
    if ($('task').hidden || e.altKey || e.metaKey) return;
    const inText = e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement &&
      e.target.type !== 'radio';
    if (e.key === 'Enter') {
      if (inText && !e.ctrlKey) return;          // a newline in the text box
      if (e.target instanceof HTMLButtonElement && e.target.id !== 'submit') return;
      e.preventDefault();
      submit();
      return;
    }
    if (inText || e.ctrlKey) return;
    if (e.key >= '1' && e.key <= '8') {
      e.preventDefault();
      choose(Number(e.key));
    } else if (e.key === 's' || e.key === 'S') {
      e.preventDefault();
      skip();
    }
  }

  function init() {
    buildScale();
    document.addEventListener('keydown', onKey);
    $('label-form').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
    $('skip').addEventListener('click', skip);
    $('check-again').addEventListener('click', () => next());
    $('next-turn').addEventListener('input', () => store.set(KEY.draft, $('next-turn').value));
    $('sign-out').addEventListener('click', () => {
      store.del(KEY.task, KEY.choice, KEY.draft, KEY.pending);
      signedOut('');
    });
    $('signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const token = $('token').value.trim();
      if (!token) {
        $('signin-error').hidden = false;
        $('signin-error').textContent = 'Enter your token.';
        return;
      }
      $('signin-error').hidden = true;
      store.set(KEY.token, token);
      start();
    });
    if (store.get(KEY.token)) start(); else signedOut('');
  }

  init();
})();
