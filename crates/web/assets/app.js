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
