// Live preview of the tiers form: posts the draft (with its CSRF field) and swaps in the table the
// server renders. Without this script the form's Preview button does the same with a page load.
/* global document, window, fetch, FormData, URLSearchParams */
(function () {
  const form = document.getElementById('tiers-form');
  const target = document.getElementById('preview');
  if (!form || !target) return;
  let timer = null;
  let sent = 0;
  const refresh = async () => {
    const mine = ++sent;
    target.setAttribute('aria-busy', 'true');
    try {
      const res = await fetch(form.dataset.previewUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)),
      });
      const text = await res.text();
      // A slower answer to an older draft must not replace a newer one.
      if (mine !== sent) return;
      if (res.ok) target.innerHTML = text;
      else target.textContent = 'The preview is unavailable (' + res.status + ').';
    } catch {
      if (mine === sent) target.textContent = 'The preview is unavailable (no answer from the server).';
    } finally {
      if (mine === sent) target.removeAttribute('aria-busy');
    }
  };
  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  };
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
})();
