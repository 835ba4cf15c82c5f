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
