"""Driving the explorer in a real browser, for its browser test and its latency benchmark.

:func:`served` starts ``python -m sim explore`` (what ``sim explore`` runs) on a free port of 127.0.0.1 in a child
process and stops it afterwards; :func:`browser` launches Debian's ``chromium`` through
Playwright (``executable_path``: nothing is downloaded); :class:`Probe` records, inside
the page, the time from a slider move (``mousedown``/``keydown``) to the next change of
the regime line, and every URL the page requests. :func:`missing` says in one line what
a machine lacks to run any of it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.explore.server import HOST

CHROMIUM_ENV = "SIM_CHROMIUM"  #: environment variable: path of the browser to drive
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
START_TIMEOUT = 180.0  #: seconds to wait for the server to answer (imports take ~15 s on a busy machine)

#: In-page script: time stamps of the user's moves and of each change of the regime line.
PROBE_JS = """
(() => {
  const probe = {moves: [], changes: [], last: null};
  const stamp = () => probe.moves.push(performance.now());
  document.addEventListener('mousedown', stamp, true);
  document.addEventListener('keydown', stamp, true);
  const read = () => { const el = document.querySelector('.sim-regime'); return el ? el.innerText : null; };
  probe.last = read();
  new MutationObserver(() => {
    const now = read();
    if (now !== null && now !== probe.last) { probe.changes.push([performance.now(), now]); probe.last = now; }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
  window.__simProbe = probe;
})();
"""


def chromium_path() -> str | None:
    """The browser to drive: :data:`CHROMIUM_ENV`, else Debian's ``chromium``; None if absent."""
    candidates = [os.environ.get(CHROMIUM_ENV), *CHROMIUM_PATHS, shutil.which("chromium")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def missing() -> str | None:
    """What this machine lacks to drive the explorer in a browser (one line), or None."""
    for module, install in (("playwright", 'pip install "sim[test]"'), ("solara", 'pip install "sim[explore]"'),
                            ("solara_assets", 'pip install "sim[explore]"')):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed ({install})"
    if chromium_path() is None:
        return "no chromium browser (Debian: apt-get install chromium; or set SIM_CHROMIUM to a Chromium binary)"
    return None


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    """Return once ``url`` answers; RuntimeError if the server exits or does not answer in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the explorer's server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"the explorer's server did not answer at {url} within {timeout:g} s")


@contextmanager
def served(port: int | None = None, scenario: str = "iraq2020", log: Path | None = None) -> Iterator[str]:
    """Run the explorer's server in a child process; yields its URL; stops it on exit."""
    port = free_port() if port is None else port
    out = open(log, "wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "sim", "explore", "--port", str(port), "--scenario", scenario],
                            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}/"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log is not None:
            out.close()


@contextmanager
def browser(width: int = 1500, height: int = 1100):
    """A Playwright page in headless Chromium (:func:`chromium_path`), with the list of
    every URL it requests as ``page.requested``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            page = chrome.new_page(viewport={"width": width, "height": height})
            page.requested = []
            page.on("request", lambda request: page.requested.append(request.url))
            yield page
        finally:
            chrome.close()


def open_explorer(page, url: str, timeout_ms: float = 120_000) -> str:
    """Load the explorer and wait for its regime line; returns that line."""
    page.goto(url, timeout=timeout_ms)
    line = page.locator(".sim-regime")
    line.wait_for(timeout=timeout_ms)
    return line.inner_text()


def slider(page, label: str):
    """The slider (ARIA role ``slider``) of the parameter whose label starts ``label``."""
    return page.locator(".sim-param", has_text=label).first.get_by_role("slider")


def slider_value(page, label: str) -> float:
    """The value the slider of ``label`` shows (``aria-valuenow``)."""
    return float(slider(page, label).get_attribute("aria-valuenow"))


def click_at(page, label: str, fraction: float) -> None:
    """Click the track of the slider of ``label`` at ``fraction`` (0 = left end, 1 = right end)."""
    track = page.locator(".sim-param", has_text=label).first.locator(".v-slider")
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    page.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)


def wait_for_regime(page, regime: str, timeout_ms: float = 30_000) -> str:
    """Wait until the regime line reads ``Regime: <regime>``; returns it."""
    page.wait_for_function("(want) => { const el = document.querySelector('.sim-regime');"
                           " return el && el.innerText.trim() === want; }", arg=f"Regime: {regime}",
                           timeout=timeout_ms)
    return page.locator(".sim-regime").inner_text()


def install_probe(page) -> None:
    """Start recording moves and regime-line changes in the page (:data:`PROBE_JS`)."""
    page.evaluate(PROBE_JS)


def probe_latency(page) -> float | None:
    """Milliseconds from the last move to the regime line's change after it; None if it has
    not changed since that move."""
    probe = page.evaluate("() => window.__simProbe")
    if not probe["moves"]:
        return None
    t0 = probe["moves"][-1]
    after = [t for t, _ in probe["changes"] if t >= t0]
    return after[0] - t0 if after else None


def external(urls, host: str = HOST) -> list[str]:
    """The requested URLs that do not go to ``host`` (``blob:``/``data:`` URLs are the page's own)."""
    local = (f"http://{host}:", f"ws://{host}:", "blob:", "data:")
    return sorted({u for u in urls if not u.startswith(local)})


def open_group(page, title: str) -> None:
    """Open the side bar's group of parameters ``title`` (e.g. ``"Iran"``) if it is closed."""
    header = page.locator(".v-expansion-panel-header").filter(has_text=title).first
    panel = page.locator(".v-expansion-panel").filter(has=header).first
    if "v-expansion-panel--active" not in (panel.get_attribute("class") or ""):
        header.click()
    panel.locator(".sim-param").first.wait_for()


def wait_settled(page, timeout_ms: float = 120_000) -> None:
    """Wait until every panel says its figure is up to date."""
    page.wait_for_function("() => { const s = [...document.querySelectorAll('.sim-status')];"
                           " return s.length >= 4 && s.every(e => e.innerText.includes('up to date')); }",
                           timeout=timeout_ms)
