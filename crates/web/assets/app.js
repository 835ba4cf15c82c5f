// Page loads in this tab, for the browser test's count (in-place actions
// below are not page loads).
try {
  const n = Number(sessionStorage.getItem('extramile.loads') || 0) + 1;
  sessionStorage.setItem('extramile.loads', String(n));
} catch (_) { /* storage off: nothing counted */ }

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
    // One result: Enter opens it.
    else if (e.key === 'Enter' && active < 0 && ls.length === 1) { e.preventDefault(); window.location = ls[0].href; }
    else if (e.key === 'Escape') { if (!inPage) panel.hidden = true; box.blur(); }
  });
  document.addEventListener('click', (e) => { if (!inPage && !panel.contains(e.target) && e.target !== box) panel.hidden = true; });
})();

// One live stream per browser, shared by every tab. The tab holding the
// "extramile-live" Web Lock opens the Server-Sent Events stream and passes
// each event to the other tabs over a BroadcastChannel; when it goes (closed,
// navigated away, put in the back-forward cache) the lock passes to another
// tab. A page closes what it holds on `pagehide` and takes part again on
// `pageshow`, so pages kept in the back-forward cache hold no connection and
// the browser's six connections per host are never used up by streams.
window.extramileLive = (function () {
  const KINDS = ['screen_pop', 'offer', 'interaction', 'case', 'consult', 'queue', 'ledger', 'approval', 'presence', 'follow_up_due', 'follow_up_assigned'];
  const handlers = {};
  let channel = null, es = null, release = null, abort = null, state = 'connecting';

  function setState(s) { state = s; document.body.dataset.live = s; }
  function deliver(kind, raw) {
    let data = {};
    try { data = JSON.parse(raw); } catch (_) { /* keep {} */ }
    (handlers[kind] || []).forEach((fn) => fn(data, kind));
  }
  // Per signed-in person: another person's tabs in this browser never share it.
  const who = (document.body && document.body.dataset.staff) || 'anyone';
  let backoff = 1000;
  function lead() {
    return new Promise((resolve) => {
      release = resolve;
      es = new EventSource('/api/v1/stream');
      es.onopen = () => { backoff = 1000; setState('connected'); if (channel) channel.postMessage({ state: 'connected' }); };
      es.onerror = () => {
        setState('reconnecting');
        if (channel) channel.postMessage({ state: 'reconnecting' });
        // Closed for good (signed out, server refused): let go of the lead
        // and take part again later, so no tab is left deaf.
        if (es && es.readyState === EventSource.CLOSED) {
          es = null;
          const r = release; release = null;
          if (r) r();
          setTimeout(() => { if (!release && !document.hidden) restart(); }, backoff);
          backoff = Math.min(backoff * 2, 60000);
        }
      };
      KINDS.forEach((k) => es.addEventListener(k, (e) => {
        if (channel) channel.postMessage({ kind: k, data: e.data });
        deliver(k, e.data);
      }));
    });
  }
  function start() {
    if (!window.EventSource) return;
    if (!(navigator.locks && window.BroadcastChannel)) { lead(); return; }
    channel = new BroadcastChannel('extramile-live-' + who);
    channel.onmessage = (m) => {
      const d = m.data || {};
      if (d.hello) { if (es) channel.postMessage({ state: state }); return; }
      if (d.state) setState(d.state);
      if (d.kind) deliver(d.kind, d.data);
    };
    abort = new AbortController();
    navigator.locks.request('extramile-live-' + who, { signal: abort.signal }, lead).catch(() => {});
    channel.postMessage({ hello: true });
  }
  function stop() {
    if (es) { es.close(); es = null; }
    if (release) { release(); release = null; }
    if (abort) { abort.abort(); abort = null; }
    if (channel) { channel.close(); channel = null; }
    setState('paused');
  }
  function restart() { stop(); start(); }
  window.addEventListener('pagehide', stop);
  window.addEventListener('pageshow', (e) => { if (e.persisted) start(); });
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
  return {
    on(kind, fn) { (handlers[kind] = handlers[kind] || []).push(fn); },
    get state() { return state; },
  };
})();

// Live updates: a call ringing at me pops the caller's account before I
// answer; the page never reloads.
(function () {
  const pop = document.getElementById('screen-pop');
  if (!pop) return;
  function closeButton() {
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'pop-close';
    close.setAttribute('aria-label', 'Dismiss');
    close.textContent = '×';
    close.addEventListener('click', () => { pop.hidden = true; });
    return close;
  }
  window.extramileLive.on('screen_pop', (d) => {
    pop.dataset.busy = 'call';
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
    pop.appendChild(closeButton());
    pop.hidden = false;
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') pop.hidden = true; });
  // A promised call falls due (or is given to me): a reminder with a link.
  function remind(d, kind) {
    if (pop.dataset.busy === 'call' && !pop.hidden) return;
    pop.dataset.busy = 'reminder';
    pop.replaceChildren();
    const title = document.createElement('strong');
    title.textContent = kind === 'follow_up_due' ? 'A promised call is due today' : 'A follow-up was given to you';
    pop.appendChild(title);
    const line = document.createElement('div');
    line.textContent = d.purpose || '';
    pop.appendChild(line);
    if (d.follow_up_id) {
      const open = document.createElement('a');
      open.href = '/follow-ups/' + d.follow_up_id;
      open.className = 'button primary';
      open.textContent = 'Open the follow-up';
      pop.appendChild(open);
    }
    pop.appendChild(closeButton());
    pop.hidden = false;
  }
  window.extramileLive.on('follow_up_due', remind);
  window.extramileLive.on('follow_up_assigned', remind);
})();

// Live regions: a page part marked data-refresh="/ui/..." is fetched again
// when an event it listens for (data-on) arrives and matches (data-match,
// "key:value" against the event's data). While the user is typing in it,
// the refresh waits and a notice offers it instead, so nothing typed is lost.
// Regions are looked up at each event, so parts swapped in place take part.
(function () {
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
    if (!res.ok || !region.isConnected) return;
    region.innerHTML = await res.text();
    region.dataset.refreshedAt = String(Date.now());
    document.body.dataset.lastRefresh = region.dataset.refresh;
    document.dispatchEvent(new CustomEvent('extramile:swapped'));
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

  ['offer', 'interaction', 'case', 'consult', 'queue', 'ledger', 'approval', 'presence', 'work_order'].forEach((kind) => window.extramileLive.on(kind, (data) => {
    document.querySelectorAll('[data-refresh]').forEach((r) => {
      if ((r.dataset.on || '').split(',').includes(kind) && matches(r, data)) schedule(r);
    });
  }));
})();

// Forms act in place: a POST form is sent in the background and the page
// it leads to replaces the header, the call bar and the main part, with no
// page load (the call, the stream and what is on screen stay). Without
// JavaScript the same forms post and redirect as usual.
(function () {
  if (!window.fetch || !window.DOMParser || !window.FormData) return;
  function swap(html, url, push) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const main = doc.getElementById('main');
    if (!main) return false;
    document.getElementById('main').replaceWith(main);
    // The navigation (counts), the presence picker and the call bar; the
    // lookup box stays as it is.
    ['header.top nav', '#presence-form', '#call-bar-slot'].forEach((sel) => {
      const n = doc.querySelector(sel), o = document.querySelector(sel);
      if (n && o) o.replaceWith(n);
    });
    document.title = doc.title;
    if (push && url && url !== location.href) history.pushState({ inplace: true }, '', url);
    document.dispatchEvent(new CustomEvent('extramile:swapped'));
    const first = main.querySelector('[aria-invalid=true]') || main.querySelector('.alert, [role=status]') || main.querySelector('h1');
    if (first) { if (!first.hasAttribute('tabindex') && !first.matches('input, select, textarea')) first.setAttribute('tabindex', '-1'); first.focus({ preventScroll: false }); }
    const hash = url && url.includes('#') ? url.slice(url.indexOf('#') + 1) : '';
    const target = hash && document.getElementById(hash);
    if (target) target.scrollIntoView();
    return true;
  }
  document.addEventListener('submit', async (e) => {
    const f = e.target;
    if ((f.getAttribute('method') || 'get').toLowerCase() !== 'post' || f.hasAttribute('data-no-inplace')) return;
    // getAttribute: a field named "action" would shadow the form's property.
    const action = new URL(f.getAttribute('action') || location.href, location.href);
    if (action.origin !== location.origin || action.pathname === '/signout' || action.pathname === '/signin') return;
    e.preventDefault();
    // Once: a second click while the first is on its way does nothing.
    if (f.dataset.submitting) return;
    f.dataset.submitting = '1';
    f.setAttribute('aria-busy', 'true');
    const b = e.submitter;
    const body = new URLSearchParams(new FormData(f, b || undefined));
    // Browsers that ignore FormData's submitter: the clicked button's
    // name and value go along all the same ("Check first" must not apply).
    if (b && b.name && !body.has(b.name)) body.append(b.name, b.value);
    if (b && b.tagName === 'BUTTON') { b.dataset.label = b.textContent; b.classList.add('working'); b.textContent = 'Working…'; }
    f.querySelectorAll('button, input[type=submit]').forEach((x) => { x.disabled = true; });
    try {
      const res = await fetch(action.href, { method: 'POST', body, headers: { accept: 'text/html' }, credentials: 'same-origin' });
      const html = await res.text();
      if (swap(html, res.redirected ? res.url + action.hash : null, res.redirected)) return;
      failed(f, b, 'The answer could not be shown (' + res.status + '). Nothing is sent twice: look at the page again before retrying.');
    } catch (_) {
      // Never sent again by itself: the server may have acted already.
      failed(f, b, 'The server could not be reached. It may or may not have been saved: reload the page to see, then try again.');
    }
  });
  function failed(f, b, text) {
    delete f.dataset.submitting;
    f.removeAttribute('aria-busy');
    f.querySelectorAll('button, input[type=submit]').forEach((x) => { x.disabled = false; });
    if (b && b.dataset.label) { b.textContent = b.dataset.label; b.classList.remove('working'); }
    let n = f.querySelector('.inplace-error');
    if (!n) { n = document.createElement('p'); n.className = 'alert inplace-error'; n.setAttribute('role', 'alert'); f.prepend(n); }
    n.textContent = text;
  }
  // Back and forward between pages swapped in place: load them (a link to
  // a spot on the same page is left alone).
  const here = () => location.pathname + location.search;
  let shown = here();
  window.addEventListener('popstate', () => { if (here() !== shown) location.reload(); });
  document.addEventListener('extramile:swapped', () => { shown = here(); });
  // Swapped-in parts: their presence picker sends itself too.
  document.addEventListener('extramile:swapped', () => {
    document.querySelectorAll('[data-autosubmit]').forEach((el) => {
      if (el._auto) return;
      el._auto = true;
      el.addEventListener('change', () => el.form.requestSubmit());
    });
  });
})();

// Every form submits once: a second click (or Enter) while the first is on
// its way does nothing, and the button says it is working. Coming back to
// the page (back button) makes the form usable again.
(function () {
  document.addEventListener('submit', (e) => {
    const f = e.target;
    if ((f.getAttribute('method') || 'get').toLowerCase() !== 'post' || e.defaultPrevented) return;
    if (f.dataset.submitting) { e.preventDefault(); return; }
    f.dataset.submitting = '1';
    f.setAttribute('aria-busy', 'true');
    const b = e.submitter;
    if (b) { b.dataset.label = b.textContent; b.classList.add('working'); b.textContent = 'Working…'; }
    // Disabled after the browser has read the clicked button's name and value.
    setTimeout(() => f.querySelectorAll('button, input[type=submit]').forEach((x) => { x.disabled = true; }), 0);
  });
  window.addEventListener('pageshow', () => {
    document.querySelectorAll('form[data-submitting]').forEach((f) => {
      delete f.dataset.submitting;
      f.removeAttribute('aria-busy');
      f.querySelectorAll('button, input[type=submit]').forEach((x) => {
        x.disabled = false;
        if (x.dataset.label) { x.textContent = x.dataset.label; x.classList.remove('working'); }
      });
    });
  });
})();

// The desk: the presence picker sends itself; the call bar refreshes when
// the call changes; timers and "… ago" tick every second.
(function () {
  document.querySelectorAll('[data-autosubmit]').forEach((el) => {
    el._auto = true;
    el.addEventListener('change', () => el.form.requestSubmit());
  });
  let pending = null;
  function refresh() {
    if (!document.getElementById('call-bar-slot') || pending) return;
    pending = setTimeout(async () => {
      pending = null;
      const res = await fetch('/ui/call-bar', { headers: { accept: 'text/html' } });
      // Looked up now: in-place actions replace the slot.
      const slot = document.getElementById('call-bar-slot');
      if (res.ok && slot) slot.innerHTML = await res.text();
    }, 250);
  }
  if (window.extramileLive) ['interaction', 'presence', 'offer'].forEach((k) => window.extramileLive.on(k, refresh));
  function span(s) {
    s = Math.max(0, Math.floor(s));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor(s % 86400 / 3600) + ' h';
  }
  function tick() {
    const now = Date.now() / 1000;
    document.querySelectorAll('time.ticker[data-since]').forEach((t) => { t.textContent = span(now - Number(t.dataset.since)); });
    document.querySelectorAll('[data-ago]').forEach((t) => { t.textContent = span(now - Number(t.dataset.ago)) + ' ago'; });
  }
  // The customer's local clock, in their zone.
  function clocks() {
    document.querySelectorAll('time.local-clock[data-zone]').forEach((t) => {
      try {
        t.textContent = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: t.dataset.zone, timeZoneName: 'short' }).format(new Date());
      } catch (_) { /* unknown zone: keep the server's text */ }
    });
  }
  tick();
  setInterval(tick, 1000);
  setInterval(clocks, 30000);
})();

// Choosing a charge fills in what is left of it (unless an amount is typed).
document.addEventListener('change', (e) => {
  const sel = e.target;
  if (!(sel instanceof HTMLSelectElement) || !sel.dataset.fills) return;
  const amount = document.getElementById(sel.dataset.fills);
  const left = sel.selectedOptions[0] && sel.selectedOptions[0].dataset.left;
  if (amount && left && !amount.value) amount.value = left;
});

// Keyboard: "?" lists the shortcuts; single keys act when not typing.
(function () {
  const keys = [
    ['/', 'Find a customer (the lookup box)'],
    ['Enter', 'Open the only result, or the one chosen with ↑ ↓'],
    ['g then w', 'My work'],
    ['g then c', 'Consults'],
    ['g then a', 'Approvals'],
    ['c', 'Open the call you are on'],
    ['h', 'Hold or resume the call'],
    ['u', 'Wrap up the call'],
    ['m', "The customer's money"],
    ['?', 'This list'],
    ['Esc', 'Close a list, a pop-up or this help'],
  ];
  let help = null, pending = null;
  function toggleHelp() {
    if (help) { help.remove(); help = null; return; }
    help = document.createElement('div');
    help.className = 'kbd-help';
    help.id = 'kbd-help';
    const box = document.createElement('div');
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    box.setAttribute('aria-labelledby', 'kbd-help-h');
    const h = document.createElement('h2');
    h.id = 'kbd-help-h';
    h.textContent = 'Keyboard shortcuts';
    box.appendChild(h);
    const table = document.createElement('table');
    keys.forEach(([k, what]) => {
      const tr = document.createElement('tr');
      const a = document.createElement('td');
      k.split(' then ').forEach((part, i) => {
        if (i) a.appendChild(document.createTextNode(' then '));
        const kbd = document.createElement('kbd');
        kbd.textContent = part;
        a.appendChild(kbd);
      });
      const b = document.createElement('td');
      b.textContent = what;
      tr.append(a, b);
      table.appendChild(tr);
    });
    box.appendChild(table);
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Close';
    close.addEventListener('click', toggleHelp);
    box.appendChild(close);
    help.appendChild(box);
    help.addEventListener('click', (e) => { if (e.target === help) toggleHelp(); });
    document.body.appendChild(help);
    close.focus();
  }
  function go(sel) {
    const el = document.querySelector(sel);
    if (!el) return false;
    el.click();
    return true;
  }
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t && t.isContentEditable);
    if (e.key === 'Escape' && help) { toggleHelp(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (pending === 'g') {
      pending = null;
      const to = { w: '/work', c: '/consults', a: '/approvals' }[e.key];
      if (to) { e.preventDefault(); location.href = to; }
      return;
    }
    switch (e.key) {
      case '?': e.preventDefault(); toggleHelp(); break;
      case 'g': pending = 'g'; setTimeout(() => { pending = null; }, 1500); break;
      case 'c': if (go('#call-bar a.call-who')) e.preventDefault(); break;
      case 'h': if (go('#call-bar button[name=state]')) e.preventDefault(); break;
      case 'u': if (go('#call-bar a.button.primary')) e.preventDefault(); break;
      case 'm': if (go('#panel-balance, #account-balance')) e.preventDefault(); break;
      default: break;
    }
  });
})();
