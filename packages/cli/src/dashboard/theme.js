// Light and dark: follows prefers-color-scheme, with a toggle that is remembered.
import { redrawCharts } from './chart-host.js';
import { $ } from './dom.js';

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const btn = $('#theme-toggle');
  btn.setAttribute('aria-pressed', String(theme === 'dark'));
  $('.theme-label', btn).textContent = theme === 'dark' ? 'Light mode' : 'Dark mode';
}

function saved() {
  try {
    return localStorage.getItem('tokenmeter-theme');
  } catch {
    return null; // storage disabled
  }
}

export function initTheme() {
  const media = matchMedia('(prefers-color-scheme: dark)');
  applyTheme(saved() ?? (media.matches ? 'dark' : 'light'));
  media.addEventListener('change', (e) => {
    if (saved()) return;
    applyTheme(e.matches ? 'dark' : 'light');
    redrawCharts();
  });
  $('#theme-toggle').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem('tokenmeter-theme', next);
    } catch {}
    applyTheme(next);
    redrawCharts();
  });
}
