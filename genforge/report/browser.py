"""Open a report in headless Chromium: a screenshot, and a check that it renders.

:func:`check_in_browser` loads a copy of the page with a small probe script in front of everything
else; the probe records console errors and uncaught exceptions, then, once the page has loaded,
writes what it found (sections, images that loaded or not, plotly figures drawn) into the DOM as
JSON, which ``--dump-dom`` returns.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-dev-shm-usage")
PROBE = """<script>
window.__probe = {errors: []};
window.addEventListener('error', function (e) {
  window.__probe.errors.push('uncaught: ' + (e.message || (e.target && (e.target.src || e.target.outerHTML))));
}, true);
(function () { var original = console.error; console.error = function () {
  window.__probe.errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
  return original.apply(console, arguments); }; })();
window.addEventListener('load', function () { setTimeout(function () {
  var images = Array.prototype.slice.call(document.images);
  var result = {errors: window.__probe.errors,
    sections: Array.prototype.map.call(document.querySelectorAll('section[data-section]'),
                                       function (s) { return s.getAttribute('data-section'); }),
    images: images.length,
    broken_images: images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                         .map(function (i) { return i.alt; }),
    figures: document.querySelectorAll('figure.plot > div > div[id^="figure-"]').length,
    drawn_figures: document.querySelectorAll('.js-plotly-plot .main-svg').length > 0 ?
                   document.querySelectorAll('.js-plotly-plot').length : 0};
  var out = document.createElement('pre'); out.id = 'browser-probe';
  out.textContent = JSON.stringify(result); document.body.appendChild(out);
}, 300); });
</script>"""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: ``$GENFORGE_CHROMIUM``, else the first on ``PATH``."""
    explicit = os.environ.get("GENFORGE_CHROMIUM")
    if explicit and Path(explicit).is_file():
        return explicit
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(chromium: str, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="genforge-chromium-") as profile:
        return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout)


def check_in_browser(page: Path, chromium: str | None = None, timeout: float = 90) -> dict:
    """Load ``page`` in headless Chromium; return the probe's findings (see the module docstring)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (apt-get install -y chromium, or set GENFORGE_CHROMIUM)")
    text = Path(page).read_text(encoding="utf-8")
    probed = text.replace("<head>", "<head>" + PROBE, 1)
    with tempfile.TemporaryDirectory(prefix="genforge-probe-") as folder:
        copy = Path(folder) / Path(page).name
        copy.write_text(probed, encoding="utf-8")
        done = _run(chromium, ["--virtual-time-budget=15000", "--dump-dom", copy.as_uri()], timeout)
    match = re.search(r'<pre id="browser-probe">(.*?)</pre>', done.stdout, re.S)
    if match is None:
        raise RuntimeError(f"Chromium returned no probe result (exit {done.returncode}): {done.stderr[-2000:]}")
    import html
    return json.loads(html.unescape(match.group(1)))


def screenshot(page: Path, png: Path, chromium: str | None = None, size=(1280, 2400), timeout: float = 90) -> Path:
    """A PNG of the first ``size`` pixels of ``page`` (width, height)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (apt-get install -y chromium, or set GENFORGE_CHROMIUM)")
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_name(f".{png.name}.tmp.png")
    done = _run(chromium, [f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=15000",
                           f"--screenshot={tmp}", Path(page).resolve().as_uri()], timeout)
    if not tmp.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}")
    os.replace(tmp, png)
    return png
