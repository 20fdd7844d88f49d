// The pool console: the accounts live (for everyone signed in), their
// administration (admins), the week's calendar and starting lessons
// (teachers). Everything the API sends is put into the page as text
// (textContent), never as HTML.
(function () {
  'use strict';

  const SignIn = window.ZoomPoolSignIn;
  const Occupancy = window.ZoomPoolOccupancy;

  const REFRESH_MS = 5000;
  const DAY_REFRESH_MS = 60000;
  const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

  const $ = (id) => document.getElementById(id);

  // h makes an element: h('p', {class: 'x'}, 'text', child...). Attributes are
  // set one by one; children are nodes or text.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const state = {
    config: null,
    session: null,
    claims: null,
    isAdmin: false,
    isTeacher: false,
    teacherId: '',
    view: 'board',
    accounts: [],
    lessons: new Map(), // lesson id -> {title, teacher_id} or a promise of it
    day: null, // today's calendar events, for the plot
    dayLoadedAt: 0,
    refreshTimer: 0,
    calendar: null,
    deleting: null, // the account id whose deletion waits for confirmation
    editing: new Set(),
  };

  // ---- API ----------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      super((body && body.message) || 'The server answered ' + status + '.');
      this.status = status;
      this.code = (body && body.error) || '';
      this.retryAfter = retryAfter ? parseInt(retryAfter, 10) : 0;
    }
  }

  // api calls the API with the token. Paths are relative to the console,
  // which lives next to the API.
  async function api(method, path, body) {
    if (!state.session) throw new ApiError(401, { message: 'Sign in first.' });
    const headers = { Authorization: 'Bearer ' + state.session.token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, { message: 'The API could not be reached; check the connection and try again.' });
    }
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch (e) { data = null; }
    }
    if (!res.ok) {
      const err = new ApiError(res.status, data, res.headers.get('Retry-After'));
      if (res.status === 401) expired();
      throw err;
    }
    return data;
  }

  // ---- Times ----------------------------------------------------------------

  function clock(value) {
    const d = value instanceof Date ? value : new Date(value);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function dayAndClock(value) {
    const d = new Date(value);
    if (isNaN(d)) return '';
    const today = new Date();
    if (d.toDateString() === today.toDateString()) return clock(d);
    return d.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' }) + ' ' + clock(d);
  }

  function isoDate(d) {
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  }

  // inWords says a number of seconds roughly: 40 seconds, about 25 minutes,
  // about 3 hours, about 2 days.
  function inWords(seconds) {
    if (seconds < 90) return seconds + ' seconds';
    if (seconds < 90 * 60) return 'about ' + Math.round(seconds / 60) + ' minutes';
    if (seconds < 36 * 3600) return 'about ' + Math.round(seconds / 3600) + ' hours';
    return 'about ' + Math.round(seconds / 86400) + ' days';
  }

  function waitSentence(seconds) {
    if (!seconds) return 'Try again in a few minutes.';
    if (seconds < 90) return 'Try again in ' + seconds + ' seconds.';
    return 'Try again in ' + inWords(seconds) + ' (at ' + dayAndClock(new Date(Date.now() + seconds * 1000)) + ').';
  }

  // ---- Notices --------------------------------------------------------------

  function notice(message, kind) {
    const n = $('notice');
    if (!message) {
      n.hidden = true;
      n.replaceChildren();
      return;
    }
    n.className = 'notice ' + (kind || 'error');
    n.replaceChildren(h('strong', {}, kind === 'info' ? 'Note: ' : 'Problem: '), message);
    n.hidden = false;
  }

  // ---- Sign-in --------------------------------------------------------------

  function rolesOf(claims, name) {
    const v = claims[name];
    if (Array.isArray(v)) return v.map(String);
    if (typeof v === 'string') return v.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
    return [];
  }

  function useSession(session) {
    state.session = session;
    state.claims = SignIn.claimsOf(session.token);
    const roles = rolesOf(state.claims, state.config.roles_claim);
    state.isAdmin = roles.includes('admin');
    state.isTeacher = roles.includes('teacher');
    state.teacherId = String(state.claims[state.config.teacher_id_claim] || '');
    const name = state.claims['cognito:username'] || state.claims.email || state.claims.name || state.claims.sub;
    const role = state.isAdmin ? 'admin' : state.isTeacher ? 'teacher' : 'no role';
    $('who-name').textContent = name + ' (' + role + ')';
    $('who').hidden = false;
    $('nav').hidden = false;
    $('signed-out').hidden = true;
    $('add-account').hidden = !state.isAdmin;
    $('calendar-title').textContent = state.isTeacher && !state.isAdmin ? 'My week' : 'The week';
    const left = session.expiresAt - Date.now();
    clearTimeout(state.expiryTimer);
    state.expiryTimer = setTimeout(expired, Math.max(0, left - 5000));
    show(state.isTeacher && !state.isAdmin ? 'calendar' : 'board', false);
  }

  function showSignedOut(message, kind) {
    stop();
    state.session = null;
    $('who').hidden = true;
    $('nav').hidden = true;
    $('board').hidden = true;
    $('calendar-view').hidden = true;
    $('signed-out').hidden = false;
    notice(message, kind);
    const cfg = state.config;
    const ready = cfg && cfg.authorization_endpoint && cfg.token_endpoint && cfg.client_id;
    $('sign-in').disabled = !ready;
    $('sign-in-where').textContent = ready
      ? 'You sign in at ' + new URL(cfg.authorization_endpoint).host + ', and come back here.'
      : 'Sign-in is not configured for this console: its function needs JWT_ISSUER and OIDC_CLIENT_ID.';
  }

  function expired() {
    if (!state.session) return;
    sessionStorage.removeItem('zoom-pool.session');
    showSignedOut('Your sign-in has expired. Sign in again to go on.', 'info');
  }

  function stop() {
    clearTimeout(state.refreshTimer);
    clearTimeout(state.expiryTimer);
    state.refreshTimer = 0;
    if (state.calendar) {
      state.calendar.destroy();
      state.calendar = null;
    }
    $('accounts').replaceChildren();
    $('today-list').replaceChildren();
    state.accounts = [];
    state.lessons.clear();
    state.day = null;
    state.editing.clear();
    state.deleting = null;
  }

  // ---- Views ----------------------------------------------------------------

  function show(view, focus) {
    state.view = view;
    $('board').hidden = view !== 'board';
    $('calendar-view').hidden = view !== 'calendar';
    for (const b of document.querySelectorAll('#nav button')) {
      if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    if (view === 'board') {
      refreshBoard(true);
    } else {
      clearTimeout(state.refreshTimer);
      openCalendar();
    }
    if (focus) $(view === 'board' ? 'board-title' : 'calendar-title').focus();
  }

  // ---- The board ------------------------------------------------------------

  async function refreshBoard(now) {
    clearTimeout(state.refreshTimer);
    if (!state.session || state.view !== 'board') return;
    if (!document.hidden || now) {
      try {
        const accounts = await api('GET', 'api/schedule/zoom-accounts/');
        state.accounts = Array.isArray(accounts) ? accounts : [];
        renderAccounts();
        $('refreshed').textContent = 'Updated ' + new Date().toLocaleTimeString();
        if (now || Date.now() - state.dayLoadedAt > DAY_REFRESH_MS) await loadDay();
        renderOccupancy();
      } catch (e) {
        if (e.status !== 401) $('refreshed').textContent = 'Not updated: ' + e.message;
      }
    }
    if (state.session && state.view === 'board') state.refreshTimer = setTimeout(() => refreshBoard(false), REFRESH_MS);
  }

  async function loadDay() {
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    const end = new Date(start);
    end.setDate(end.getDate() + 1);
    const q = new URLSearchParams({ start: isoDate(start), end: isoDate(end), timeZone: ZONE });
    // Admins also get the capacity forecast: its margin for early starts and
    // overruns, and its shortages with the lessons in them.
    const [events, forecast] = await Promise.all([
      api('GET', 'api/schedule/calendar/?' + q.toString()),
      state.isAdmin ? api('GET', 'api/schedule/capacity/?' + q.toString()).catch(() => null) : null,
    ]);
    state.day = { start: start.getTime(), end: end.getTime(), events: events, forecast: forecast };
    state.dayLoadedAt = Date.now();
  }

  function renderOccupancy() {
    if (!state.day) return;
    const enabled = state.accounts.filter((a) => a.enabled);
    const capacity = enabled.reduce((n, a) => n + a.capacity, 0);
    const inUse = state.accounts.reduce((n, a) => n + a.active, 0);
    const forecast = state.day.forecast;
    const margin = forecast ? (forecast.margin_minutes || 0) * 60000 : 0;
    const lessons = (state.day.events || [])
      .filter((e) => (e.extendedProps || {}).status !== 'cancelled')
      .map((e) => ({ start: Date.parse(e.start) - margin, end: Date.parse(e.end) + margin }))
      .filter((l) => !isNaN(l.start) && !isNaN(l.end));
    // The forecast's shortages hold while the pool is as it was forecast.
    const over = forecast && forecast.capacity === capacity
      ? (forecast.over_capacity || []).map((o) => ({
        start: Date.parse(o.start), end: Date.parse(o.end), demand: o.demand, lessons: (o.lessons || []).map((l) => l.title),
      }))
      : null;
    const out = Occupancy.render($('occupancy-chart'), {
      lessons: lessons, capacity: capacity, inUse: inUse, now: Date.now(), dayStart: state.day.start, dayEnd: state.day.end, over: over,
    });
    $('occupancy-caption').textContent = out.sentence;
  }

  function summaryOf(accounts) {
    const enabled = accounts.filter((a) => a.enabled);
    const capacity = enabled.reduce((n, a) => n + a.capacity, 0);
    const inUse = accounts.reduce((n, a) => n + a.active, 0);
    const disabled = accounts.length - enabled.length;
    let s = inUse + ' of ' + capacity + (capacity === 1 ? ' slot' : ' slots') + ' in use, on ' + accounts.length +
      (accounts.length === 1 ? ' account' : ' accounts');
    if (disabled) s += ' (' + disabled + ' disabled)';
    const attention = accounts.filter(needsAttention).length;
    if (attention) s += '; ' + attention + ' need' + (attention === 1 ? 's' : '') + ' attention';
    return s + '.';
  }

  function needsAttention(a) {
    return Boolean(a.needs_attention);
  }

  function limitedUntil(a) {
    const t = a.zoom_limited_until || a.limited_until;
    return t && Date.parse(t) > Date.now() ? t : null;
  }

  // statusOf is an account's state in words, with a symbol and a class for
  // its colour: never colour alone.
  function statusOf(a) {
    if (!a.enabled) return { cls: 'disabled', icon: '⊘', text: 'Disabled' };
    if (needsAttention(a)) return { cls: 'attention', icon: '⚠', text: 'Needs attention' };
    if (limitedUntil(a)) return { cls: 'limited', icon: '◷', text: 'Limited by Zoom' };
    if (a.active >= a.capacity) return { cls: 'busy', icon: '●', text: 'Busy' };
    if (a.active > 0) return { cls: 'partly', icon: '◐', text: a.active + ' of ' + a.capacity + ' in use' };
    return { cls: 'free', icon: '○', text: 'Free' };
  }

  function renderAccounts() {
    const box = $('accounts');
    $('pool-summary').textContent = summaryOf(state.accounts);
    const seen = new Set();
    let previous = null;
    for (const a of state.accounts) {
      seen.add(a.id);
      let card = box.querySelector('article[data-account-id="' + CSS.escape(a.id) + '"]');
      if (!card) {
        card = h('article', { class: 'card', 'data-account-id': a.id, 'aria-labelledby': 'account-' + a.id + '-name' },
          h('div', { class: 'card-live' }), h('div', { class: 'card-admin' }), h('p', { class: 'error card-error', role: 'alert', hidden: true }));
      }
      // Keep the order of the API (by name) without moving focused nodes needlessly.
      const want = previous ? previous.nextSibling : box.firstChild;
      if (want !== card) box.insertBefore(card, want);
      previous = card;
      const key = JSON.stringify(a);
      if (card.dataset.key !== key) {
        card.dataset.key = key;
        card.className = 'card status-' + statusOf(a).cls;
        card.querySelector('.card-live').replaceChildren(...liveParts(a));
        if (state.isAdmin) renderAdmin(card, a);
      }
    }
    for (const card of Array.from(box.children)) {
      if (!seen.has(card.dataset.accountId)) card.remove();
    }
    if (!state.accounts.length) {
      box.replaceChildren(h('p', { class: 'muted' }, state.isAdmin ? 'The pool has no accounts yet: add one below.' : 'The pool has no accounts yet.'));
    }
  }

  function liveParts(a) {
    const st = statusOf(a);
    const parts = [
      h('div', { class: 'card-head' },
        h('h3', { id: 'account-' + a.id + '-name' }, a.name),
        h('span', { class: 'badge badge-' + st.cls }, h('span', { 'aria-hidden': 'true' }, st.icon + ' '), st.text)),
      h('p', { class: 'slots' },
        h('meter', { min: 0, max: a.capacity, value: Math.min(a.active, a.capacity), 'aria-label': 'Slots in use' }),
        ' ' + a.active + ' of ' + a.capacity + (a.capacity === 1 ? ' slot' : ' slots') + ' in use'),
    ];
    const flags = [];
    if (!a.enabled) flags.push(h('li', {}, 'Disabled: takes no new lessons.'));
    const limited = limitedUntil(a);
    if (limited) flags.push(h('li', {}, 'Zoom limit reached: takes no new lessons until ' + dayAndClock(limited) + '.'));
    if (needsAttention(a)) flags.push(h('li', {}, 'Needs attention: ' + attentionText(a.needs_attention)));
    if (flags.length) parts.push(h('ul', { class: 'flags' }, flags));

    const holds = a.current_lessons || [];
    if (holds.length) {
      parts.push(h('ul', { class: 'lessons', 'aria-label': 'Lessons on ' + a.name }, holds.map((l) => lessonItem(l))));
    } else {
      parts.push(h('p', { class: 'muted no-lessons' }, 'No lesson right now.'));
    }
    if (state.isAdmin && a.zoom_user_id !== undefined) {
      parts.push(h('dl', { class: 'details' },
        h('dt', {}, 'Zoom user'), h('dd', {}, a.zoom_user_id),
        h('dt', {}, 'Credentials'), h('dd', {}, a.credentials_ref || 'the pool\'s default secret')));
    }
    return parts;
  }

  function attentionText(v) {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const msg = v.message || v.reason || '';
      return (v.code ? 'Zoom error ' + v.code + (msg ? ': ' : '') : '') + (msg || 'Zoom refused this account') + '. Fix it in Zoom, then enable the account again.';
    }
    return 'Zoom refused this account. Fix it in Zoom, then enable the account again.';
  }

  function lessonItem(hold) {
    const item = h('li', { class: 'lesson', 'data-lesson-id': hold.lesson_id });
    const info = state.lessons.get(hold.lesson_id);
    const title = info && info.title ? info.title : 'Lesson ' + hold.lesson_id;
    item.append(
      h('strong', { class: 'lesson-title' }, title),
      h('span', { class: 'lesson-meta' },
        (info && info.teacher_id ? info.teacher_id + ' · ' : '') +
        'started ' + dayAndClock(hold.claimed_at) + ' · ends ' + dayAndClock(hold.expected_end) +
        (hold.state === 'claiming' ? ' · starting' : '')));
    if (!info) lookUpLesson(hold.lesson_id);
    return item;
  }

  // lookUpLesson fetches a lesson's title and teacher once, then redraws.
  function lookUpLesson(id) {
    if (state.lessons.has(id)) return;
    state.lessons.set(id, null);
    api('GET', 'api/schedule/lessons/' + encodeURIComponent(id) + '/').then((l) => {
      state.lessons.set(id, { title: l.title, teacher_id: l.teacher_id });
      for (const card of document.querySelectorAll('#accounts article')) card.dataset.key = '';
      renderAccounts();
    }, () => {
      state.lessons.set(id, { title: '', teacher_id: '' });
    });
  }

  // ---- Admin actions ----------------------------------------------------------

  function cardError(card, message) {
    const p = card.querySelector('.card-error');
    p.textContent = message || '';
    p.hidden = !message;
  }

  async function act(card, run, done) {
    cardError(card, '');
    for (const b of card.querySelectorAll('.card-admin button')) b.disabled = true;
    try {
      await run();
      if (done) done();
    } catch (e) {
      cardError(card, sentenceOf(e));
    } finally {
      for (const b of card.querySelectorAll('.card-admin button')) b.disabled = false;
      card.dataset.key = '';
      await refreshBoard(true); // with the day's forecast, which the change may change
    }
  }

  function renderAdmin(card, a) {
    const box = card.querySelector('.card-admin');
    if (state.editing.has(a.id)) return; // the form being filled in stays as it is
    if (state.deleting === a.id) {
      box.replaceChildren(h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm deletion' },
        h('p', {}, 'Delete ' + a.name + '? Lessons can no longer use it; this cannot be undone.'),
        h('button', { type: 'button', class: 'danger', onclick: () => { state.deleting = null; act(card, () => api('DELETE', accountPath(a.id))); } },
          'Delete ' + a.name),
        h('button', { type: 'button', onclick: () => { state.deleting = null; card.dataset.key = ''; renderAccounts(); } }, 'Keep it')));
      box.querySelector('button').focus();
      return;
    }
    box.replaceChildren(h('div', { class: 'actions' },
      h('button', { type: 'button', 'data-action': 'toggle', onclick: () => act(card, () => api('PATCH', accountPath(a.id), { enabled: !a.enabled })) },
        a.enabled ? 'Disable' : 'Enable', h('span', { class: 'visually-hidden' }, ' ' + a.name)),
      h('button', { type: 'button', 'data-action': 'edit', onclick: () => editForm(card, a) },
        'Edit', h('span', { class: 'visually-hidden' }, ' ' + a.name)),
      h('button', { type: 'button', class: 'danger-quiet', 'data-action': 'delete', onclick: () => { state.deleting = a.id; card.dataset.key = ''; renderAccounts(); } },
        'Delete', h('span', { class: 'visually-hidden' }, ' ' + a.name))));
  }

  function accountPath(id) {
    return 'api/schedule/zoom-accounts/' + encodeURIComponent(id) + '/';
  }

  function editForm(card, a) {
    state.editing.add(a.id);
    const nameId = 'edit-' + a.id + '-name';
    const capId = 'edit-' + a.id + '-capacity';
    const close = () => { state.editing.delete(a.id); card.dataset.key = ''; renderAccounts(); };
    const form = h('form', { class: 'edit', novalidate: true },
      h('p', { class: 'field' }, h('label', { for: nameId }, 'Name'), h('input', { id: nameId, name: 'name', required: true, maxlength: 100, value: a.name })),
      h('p', { class: 'field' }, h('label', { for: capId }, 'Meetings at once'),
        h('select', { id: capId, name: 'capacity' }, [1, 2].map((n) => h('option', { value: n, selected: n === a.capacity }, String(n))))),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Save'),
        h('button', { type: 'button', onclick: close }, 'Cancel')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const patch = {};
      const name = form.elements.name.value.trim();
      const capacity = parseInt(form.elements.capacity.value, 10);
      if (!name) {
        cardError(card, 'Give the account a name.');
        form.elements.name.focus();
        return;
      }
      if (name !== a.name) patch.name = name;
      if (capacity !== a.capacity) patch.capacity = capacity;
      if (!Object.keys(patch).length) return close();
      act(card, () => api('PATCH', accountPath(a.id), patch), () => state.editing.delete(a.id));
    });
    form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(); });
    card.querySelector('.card-admin').replaceChildren(form);
    form.elements.name.focus();
  }

  async function addAccount(ev) {
    ev.preventDefault();
    const form = $('add-form');
    const err = $('add-error');
    const body = {
      name: form.elements.name.value.trim(),
      zoom_user_id: form.elements.zoom_user_id.value.trim(),
      capacity: parseInt(form.elements.capacity.value, 10),
    };
    const secret = form.elements.credentials_ref.value.trim();
    if (secret) body.credentials_ref = secret;
    const missing = !body.name ? 'name' : !body.zoom_user_id ? 'zoom_user_id' : '';
    if (missing) {
      err.textContent = missing === 'name' ? 'Give the account a name.' : 'Name the Zoom user (its e-mail address or id).';
      err.hidden = false;
      form.elements[missing].setAttribute('aria-invalid', 'true');
      form.elements[missing].focus();
      return;
    }
    err.hidden = true;
    for (const el of form.elements) el.removeAttribute('aria-invalid');
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const a = await api('POST', 'api/schedule/zoom-accounts/', body);
      form.reset();
      notice('Added ' + a.name + ' to the pool.', 'info');
      await refreshBoard(true);
    } catch (e) {
      err.textContent = sentenceOf(e);
      err.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  // sentenceOf says what went wrong, in the API's words where it has them.
  function sentenceOf(e) {
    switch (e.status) {
      case 0: return e.message;
      case 401: return 'Your sign-in has expired. Sign in again.';
      case 403:
      case 409: return sentence(e.message);
      case 429: return sentence(e.message) + ' ' + waitSentence(e.retryAfter);
      case 502: return 'Zoom did not answer as it should: ' + sentence(e.message) + ' Nothing is held; try again in a minute.';
      case 503: return sentence(e.message);
    }
    if (e.status >= 500) return 'Something went wrong on the server (' + e.status + '); try again.';
    return sentence(e.message);
  }

  // bare is an API message without a final stop, to go inside a sentence.
  function bare(msg) {
    return msg.replace(/[.!]+$/, '');
  }

  // sentence makes a sentence of an API message: a capital first letter
  // (unless it starts with a field name, such as credentials_ref) and a stop.
  function sentence(msg) {
    const first = msg.split(' ')[0];
    const head = first.includes('_') ? msg : msg.charAt(0).toUpperCase() + msg.slice(1);
    return /[.!?]$/.test(head) ? head : head + '.';
  }

  // ---- The calendar -----------------------------------------------------------

  function ownLesson(props) {
    return state.isAdmin || (state.isTeacher && props.teacher_id === state.teacherId);
  }

  function startable(ev) {
    const p = ev.extendedProps || {};
    const end = ev.end instanceof Date ? ev.end.getTime() : Date.parse(ev.end);
    return ownLesson(p) && p.status !== 'cancelled' && end > Date.now();
  }

  async function loadEvents(info) {
    const q = new URLSearchParams({ start: info.startStr, end: info.endStr, timeZone: ZONE });
    if (state.isTeacher && !state.isAdmin) q.set('teacher_id', state.teacherId);
    const events = await api('GET', 'api/schedule/calendar/?' + q.toString());
    fitHours(events);
    const weeks = new Set(events.map((e) => (e.extendedProps || {}).week).filter(Boolean));
    $('week-parity').textContent = weeks.size === 1
      ? (weeks.has('upper') ? 'An upper week' : 'A lower week')
      : weeks.size > 1 ? 'Upper and lower weeks' : '';
    return events.map((e) => Object.assign({}, e, {
      classNames: ['week-' + ((e.extendedProps || {}).week || 'none'), 'status-' + ((e.extendedProps || {}).status || 'scheduled')]
        .concat(ownLesson(e.extendedProps || {}) ? ['own'] : []),
    }));
  }

  // fitHours shows the school day, widened to every lesson of the range.
  function fitHours(events) {
    let first = 7;
    let last = 19;
    for (const e of events) {
      const start = new Date(e.start);
      const end = new Date(e.end);
      if (isNaN(start) || isNaN(end)) continue;
      if (start.toDateString() !== end.toDateString()) return setHours(0, 24);
      first = Math.min(first, start.getHours());
      last = Math.max(last, end.getHours() + (end.getMinutes() ? 1 : 0));
    }
    setHours(first, last);
  }

  function setHours(first, last) {
    const min = String(first).padStart(2, '0') + ':00:00';
    const max = String(last).padStart(2, '0') + ':00:00';
    const cal = state.calendar;
    if (!cal || (cal.getOption('slotMinTime') === min && cal.getOption('slotMaxTime') === max)) return;
    // Not while FullCalendar is handing over the events.
    setTimeout(() => {
      if (state.calendar !== cal) return;
      cal.setOption('slotMinTime', min);
      cal.setOption('slotMaxTime', max);
    });
  }

  function openCalendar() {
    if (!state.calendar) {
      const narrow = window.matchMedia('(max-width: 700px)').matches;
      state.calendar = new window.FullCalendar.Calendar($('calendar'), {
        initialView: narrow ? 'listWeek' : 'timeGridWeek',
        firstDay: 1,
        nowIndicator: true,
        allDaySlot: false,
        height: 'auto',
        slotMinTime: '07:00:00',
        slotMaxTime: '19:00:00',
        headerToolbar: { left: 'prev,next today', center: 'title', right: 'timeGridWeek,listWeek' },
        buttonText: { today: 'This week', week: 'Grid', list: 'List' },
        eventInteractive: true,
        events: (info, ok, fail) => { loadEvents(info).then(ok, (e) => { fail(e); if (e.status !== 401) showStart('The calendar could not be read: ' + sentenceOf(e), 'error'); }); },
        eventContent: (arg) => {
          const p = arg.event.extendedProps;
          const nodes = [
            h('span', { class: 'ev-time' }, arg.timeText),
            h('span', { class: 'ev-title' }, arg.event.title),
            h('span', { class: 'ev-week' }, p.week ? p.week + ' week' : ''),
          ];
          if (p.status && p.status !== 'scheduled') nodes.push(h('span', { class: 'ev-status' }, p.status));
          return { domNodes: [h('span', { class: 'ev' }, nodes)] };
        },
        eventDidMount: (arg) => {
          const p = arg.event.extendedProps;
          arg.el.dataset.eventId = arg.event.id;
          arg.el.setAttribute('aria-label', arg.event.title + ', ' + dayAndClock(arg.event.start) + ' to ' + clock(arg.event.end) +
            (p.week ? ', ' + p.week + ' week' : '') + ', ' + (p.status || 'scheduled') + (startable(arg.event) ? '; press Enter to start it' : ''));
        },
        eventClick: (arg) => {
          arg.jsEvent.preventDefault();
          showDetails(arg.event);
        },
      });
      state.calendar.render();
      loadFeed();
    } else {
      state.calendar.updateSize();
      state.calendar.refetchEvents();
    }
    renderToday();
  }

  async function renderToday() {
    const list = $('today-list');
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    const end = new Date(start);
    end.setDate(end.getDate() + 1);
    let events;
    try {
      const q = new URLSearchParams({ start: isoDate(start), end: isoDate(end), timeZone: ZONE });
      if (state.isTeacher && !state.isAdmin) q.set('teacher_id', state.teacherId);
      events = await api('GET', 'api/schedule/calendar/?' + q.toString());
    } catch (e) {
      if (e.status !== 401) list.replaceChildren(h('li', { class: 'muted' }, 'Today\'s lessons could not be read: ' + sentenceOf(e)));
      return;
    }
    if (!events.length) {
      list.replaceChildren(h('li', { class: 'muted' }, 'No lessons today.'));
      return;
    }
    list.replaceChildren(...events.map((e) => {
      const p = e.extendedProps || {};
      return h('li', { class: 'today-item', 'data-event-id': e.id },
        h('span', { class: 'today-time' }, clock(e.start) + '–' + clock(e.end)),
        h('span', { class: 'today-title' }, e.title),
        h('span', { class: 'today-meta' }, [p.group_id, p.week ? p.week + ' week' : '', p.status].filter(Boolean).join(' · ')),
        startable(e) ? startButton(e.id, e.title, p.status) : null);
    }));
  }

  function startButton(id, title, status) {
    const label = status === 'live' || status === 'starting' ? 'Open meeting' : 'Start';
    return h('button', { type: 'button', class: 'primary start', 'data-start': id, onclick: (ev) => startLesson(id, title, ev.currentTarget) },
      label, h('span', { class: 'visually-hidden' }, ' ' + title));
  }

  function showDetails(ev) {
    const p = ev.extendedProps || {};
    const box = $('event-details');
    box.replaceChildren(
      h('h2', {}, ev.title),
      h('p', {}, dayAndClock(ev.start) + '–' + clock(ev.end)),
      h('dl', { class: 'details' },
        h('dt', {}, 'Teacher'), h('dd', {}, p.teacher_id || ''),
        h('dt', {}, 'Group'), h('dd', {}, p.group_id || ''),
        h('dt', {}, 'Week'), h('dd', {}, p.week ? p.week + ' week' + (p.week_type && p.week_type !== 'all' ? ' (meets in ' + p.week_type + ' weeks)' : '') : ''),
        h('dt', {}, 'Status'), h('dd', {}, p.status || 'scheduled')),
      h('div', { class: 'actions' },
        startable(ev) ? startButton(ev.id, ev.title, p.status) : h('p', { class: 'muted' }, ownLesson(p) ? 'This lesson is over or cancelled.' : 'Only its teacher or an admin starts this lesson.'),
        h('button', { type: 'button', onclick: () => { box.hidden = true; } }, 'Close')));
    box.hidden = false;
    box.focus();
  }

  function showStart(message, kind, link) {
    const box = $('start-message');
    if (!message) {
      box.hidden = true;
      return;
    }
    box.className = 'notice ' + kind;
    box.replaceChildren(h('span', {}, message));
    if (link) box.append(' ', h('a', { href: link, target: '_blank', rel: 'noopener noreferrer' }, 'Open the meeting as host'));
    box.hidden = false;
  }

  function safeURL(u) {
    try {
      const url = new URL(u);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // startLesson starts a lesson and opens its meeting as host. The window is
  // opened at the click (a browser lets a click open one) and pointed at the
  // meeting once the API answers.
  async function startLesson(id, title, button) {
    button.disabled = true;
    showStart('Starting ' + title + '…', 'info');
    const win = window.open('', '_blank');
    try {
      const res = await api('POST', 'schedule/lesson/' + encodeURIComponent(id) + '/start/');
      const url = safeURL(res.meeting_data && res.meeting_data.start_url);
      if (win && url) {
        win.opener = null;
        win.location.href = url;
      } else if (win) {
        win.close();
      }
      showStart(title + ' is live on ' + res.zoom_account + '.' + (win ? '' : ' Your browser blocked the new window:'), 'success', url);
      $('event-details').hidden = true;
      state.dayLoadedAt = 0;
      if (state.calendar) state.calendar.refetchEvents();
      renderToday();
    } catch (e) {
      if (win) win.close();
      showStart(startSentence(e), 'error');
    } finally {
      button.disabled = false;
    }
  }

  function startSentence(e) {
    switch (e.status) {
      case 429:
        return 'Every Zoom account is busy right now. ' + waitSentence(e.retryAfter);
      case 409:
        if (e.code === 'lesson_too_early') {
          if (!e.retryAfter) return 'Too early: ' + bare(e.message) + '.';
          return 'Too early: this lesson can be started from ' + dayAndClock(new Date(Date.now() + e.retryAfter * 1000)) +
            ' on, ' + inWords(e.retryAfter) + ' from now.';
        }
        if (e.code === 'lesson_starting') return 'The lesson is being started already. ' + waitSentence(e.retryAfter || 2);
        return 'This lesson cannot be started: ' + bare(e.message) + '.';
      case 502:
        return 'Zoom did not create the meeting (' + bare(e.message) + '). No account is held; try again in a minute.';
      case 503:
        return 'No Zoom account can take lessons: ' + bare(e.message) + '. Ask an admin.';
    }
    return sentenceOf(e);
  }

  // ---- The calendar feed link --------------------------------------------------

  async function loadFeed(fresh) {
    const input = $('feed-url');
    const status = $('feed-status');
    try {
      if (fresh) await api('DELETE', 'api/schedule/calendar/feed-url/');
      const res = await api('GET', 'api/schedule/calendar/feed-url/');
      input.value = res.url;
      status.textContent = fresh ? 'A new link is ready; the old one no longer works.' : '';
      $('copy-feed').disabled = false;
    } catch (e) {
      input.value = '';
      $('copy-feed').disabled = true;
      status.textContent = 'No link: ' + sentenceOf(e);
    }
  }

  async function copyFeed() {
    const input = $('feed-url');
    const status = $('feed-status');
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = 'Copied the link.';
    } catch (e) {
      input.focus();
      input.select();
      status.textContent = 'Selected the link: copy it with Ctrl+C (⌘C on a Mac).';
    }
  }

  // ---- Start --------------------------------------------------------------------

  async function main() {
    $('sign-in').addEventListener('click', () => SignIn.begin(state.config).catch((e) => notice(e.message)));
    $('sign-out').addEventListener('click', () => {
      const cfg = state.config;
      stop();
      if (!SignIn.signOut(cfg)) showSignedOut('You are signed out.', 'info');
    });
    for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => show(b.dataset.view, true));
    $('add-form').addEventListener('submit', addAccount);
    $('copy-feed').addEventListener('click', copyFeed);
    $('new-feed').addEventListener('click', () => loadFeed(true));
    document.addEventListener('visibilitychange', () => { if (!document.hidden && state.view === 'board') refreshBoard(true); });
    let resize = 0;
    window.addEventListener('resize', () => { clearTimeout(resize); resize = setTimeout(renderOccupancy, 200); });

    try {
      state.config = await SignIn.loadConfig();
      const session = (await SignIn.complete(state.config)) || SignIn.current();
      $('loading').hidden = true;
      if (session) useSession(session);
      else showSignedOut();
    } catch (e) {
      $('loading').hidden = true;
      showSignedOut(e.message);
    }
  }

  main();
})();
