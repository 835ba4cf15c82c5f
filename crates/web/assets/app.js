// Keyboard-first console: "/" focuses the lookup box; results update as
// you type; arrow keys move through results, Enter opens one, Escape closes.
(function () {
  const box = document.querySelector('[data-live-search]');
  const panel = document.getElementById('live-results');
  const inPage = document.getElementById('search-results');
  if (!box) return;
  let timer = null, seq = 0, active = -1;

  document.addEventListener('keydown', (e) => {
    const t = e.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
    if (e.key === '/' && !typing) { e.preventDefault(); box.focus(); box.select(); }
  });

  function target() { return inPage || panel; }
  function links() { return Array.from(target().querySelectorAll('a.hit')); }
  function highlight() {
    const rows = Array.from(target().querySelectorAll('tbody tr'));
    rows.forEach((r, i) => r.classList.toggle('active', i === active));
  }

  async function run() {
    const q = box.value.trim();
    const mine = ++seq;
    if (!q) { if (!inPage) panel.hidden = true; return; }
    const res = await fetch('/ui/search?q=' + encodeURIComponent(q), { headers: { 'accept': 'text/html' } });
    if (mine !== seq || !res.ok) return;
    target().innerHTML = await res.text();
    if (!inPage) panel.hidden = false;
    active = -1;
    if (inPage) history.replaceState(null, '', '/search?q=' + encodeURIComponent(q));
  }

  box.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  box.addEventListener('keydown', (e) => {
    const ls = links();
    if (e.key === 'ArrowDown' && ls.length) { e.preventDefault(); active = Math.min(active + 1, ls.length - 1); highlight(); }
    else if (e.key === 'ArrowUp' && ls.length) { e.preventDefault(); active = Math.max(active - 1, 0); highlight(); }
    else if (e.key === 'Enter' && active >= 0 && ls[active]) { e.preventDefault(); window.location = ls[active].href; }
    else if (e.key === 'Escape') { if (!inPage) panel.hidden = true; box.blur(); }
  });
  document.addEventListener('click', (e) => { if (!inPage && !panel.contains(e.target) && e.target !== box) panel.hidden = true; });
})();

// Live updates: a call ringing at me pops the caller's account before I
// answer; the page never reloads.
(function () {
  if (!window.EventSource || !document.getElementById('screen-pop')) return;
  const pop = document.getElementById('screen-pop');
  const es = new EventSource('/api/v1/stream');
  window.extramileEvents = es;
  es.onopen = () => { document.body.dataset.live = 'connected'; };
  es.onerror = () => { document.body.dataset.live = 'reconnecting'; };
  es.addEventListener('screen_pop', (e) => {
    const d = JSON.parse(e.data);
    pop.replaceChildren();
    const title = document.createElement('strong');
    const p = d.screen_pop;
    title.textContent = 'Incoming call' + (p && p.person_name ? ': ' + p.person_name : '');
    pop.appendChild(title);
    const line = document.createElement('div');
    line.className = 'muted';
    line.textContent = 'From ' + (d.caller_id || 'a withheld number');
    pop.appendChild(line);
    if (d.interaction_id) {
      const open = document.createElement('a');
      open.href = '/interactions/' + d.interaction_id;
      open.className = 'pop-contact button primary';
      open.textContent = 'Open the call';
      pop.appendChild(open);
    }
    if (p) {
      const a = document.createElement('a');
      a.href = '/accounts/' + p.account_id;
      a.className = 'pop-account';
      a.textContent = 'Open ' + p.account_number + ' · ' + p.account_name;
      pop.appendChild(a);
    } else {
      const none = document.createElement('div');
      none.textContent = 'No account matches this number.';
      pop.appendChild(none);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'pop-close';
    close.setAttribute('aria-label', 'Dismiss');
    close.textContent = '×';
    close.addEventListener('click', () => { pop.hidden = true; });
    pop.appendChild(close);
    pop.hidden = false;
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') pop.hidden = true; });
})();

// Live regions: a page part marked data-refresh="/ui/..." is fetched again
// when an event it listens for (data-on) arrives and matches (data-match,
// "key:value" against the event's data). While the user is typing in it,
// the refresh waits and a notice offers it instead, so nothing typed is lost.
(function () {
  const regions = Array.from(document.querySelectorAll('[data-refresh]'));
  if (!window.EventSource || !regions.length) return;
  const es = window.extramileEvents || new EventSource('/api/v1/stream');
  window.extramileEvents = es;

  function busy(region) {
    const a = document.activeElement;
    if (a && region.contains(a) && a.matches('input:not([type=hidden]):not([type=submit]), textarea, select')) return true;
    return Array.from(region.querySelectorAll('input[type=text], input:not([type]), textarea'))
      .some((f) => f.value !== f.defaultValue);
  }

  function notice(region) {
    let n = region.previousElementSibling;
    if (n && n.classList.contains('live-notice')) return;
    n = document.createElement('p');
    n.className = 'live-notice';
    n.setAttribute('role', 'status');
    n.textContent = 'This changed meanwhile. ';
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Show the latest';
    b.addEventListener('click', () => { n.remove(); load(region, true); });
    n.appendChild(b);
    region.parentNode.insertBefore(n, region);
  }

  async function load(region, force) {
    if (!force && busy(region)) { notice(region); return; }
    const res = await fetch(region.dataset.refresh, { headers: { accept: 'text/html' } });
    if (!res.ok) return;
    region.innerHTML = await res.text();
    region.dataset.refreshedAt = String(Date.now());
    document.body.dataset.lastRefresh = region.dataset.refresh;
  }

  function schedule(region) {
    // Events arriving within 250 ms of each other cause one refresh.
    if (region._timer) return;
    region._timer = setTimeout(() => { region._timer = null; load(region, false); }, 250);
  }

  function matches(region, data) {
    const m = region.dataset.match;
    if (!m) return true;
    const [key, value] = m.split(':');
    return String(data[key]) === value;
  }

  const kinds = new Set();
  regions.forEach((r) => (r.dataset.on || '').split(',').forEach((k) => k && kinds.add(k)));
  kinds.forEach((kind) => es.addEventListener(kind, (e) => {
    let data = {};
    try { data = JSON.parse(e.data); } catch (_) { /* keep {} */ }
    regions.forEach((r) => {
      if ((r.dataset.on || '').split(',').includes(kind) && matches(r, data)) schedule(r);
    });
  }));
})();
