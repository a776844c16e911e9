"""A real browser for the web app's tests: Debian's Chromium, driven by Playwright.

Playwright's own browser download is not reachable from every machine, so the system's
Chromium is given by path (``NHGRAPH_CHROMIUM``, or ``chromium`` on the PATH). Without one the
browser tests skip, except under CI, where they fail: CI installs it (see ``.ci/run``).

Every page a test opens is watched: a console error, a page error, a Content-Security-Policy
violation, a failed request or a request to anywhere but the app's own origin is recorded,
and :meth:`Watched.assert_clean` fails the test on any of them. Requests off 127.0.0.1 are
aborted as well as recorded, so a test can never reach the internet by accident.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from nhgraph.config import PROJECT_ROOT

AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
#: Where the views' screenshots go (the closing note of issue 17 names it).
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
#: Chromium's flags: no sandbox (CI runs as root), and WebGL through SwiftShader, the
#: software renderer, so the map draws on a machine with no GPU.
ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def chromium_path() -> str | None:
    """The system Chromium, if there is one."""
    given = os.environ.get("NHGRAPH_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def skip_or_fail(reason: str) -> None:
    """Skip a browser test where the browser is missing, but fail under CI, which has one."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI must have it: see .ci/run)")
    pytest.skip(reason)


@dataclass
class Watched:
    """A page and what went wrong on it."""

    page: Any
    origin: str
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """Fail on any console error, page error, CSP violation, failed or outside request."""
        csp = self.page.evaluate("window.__cspViolations || []")
        assert not csp, f"Content-Security-Policy violations: {csp}"
        assert not self.problems, "\n".join(self.problems)
        outside = [url for url in self.requests if not url.startswith((self.origin, "data:"))]
        assert not outside, f"requests left {self.origin}: {outside}"

    def screenshot(self, name: str) -> Path:
        """A screenshot of the whole page, for the closing note."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self, context: str = "main") -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it stands (WCAG 2.2 A
        and AA rules)."""
        if not AXE.exists():
            skip_or_fail(f"{AXE} is missing: run `make setup` (npm ci --prefix web)")
        # Evaluated through the DevTools protocol, which the page's CSP does not govern (a
        # script tag would be refused, as any injected script should be).
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        results = self.page.evaluate(
            """async (context) => {
                const r = await axe.run(context, { runOnly: { type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
                return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
            }""",
            context,
        )
        return [v for v in results if v["impact"] in ("serious", "critical")]


class Browser:
    """One Chromium for the run; a fresh context (so a fresh sessionStorage) per page."""

    def __init__(self, executable: str) -> None:
        """Start Playwright and Chromium."""
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=executable, args=ARGS)

    def open(self, origin: str, path: str = "/", *, wait: str = "load") -> Watched:
        """A new tab at ``origin + path``, watched (see :class:`Watched`)."""
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        watched = Watched(page, origin)
        page.add_init_script(
            "window.__cspViolations = [];"
            "document.addEventListener('securitypolicyviolation', e => "
            "window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )

        def route(request_route: Any) -> None:
            url = request_route.request.url
            watched.requests.append(url)
            if url.startswith((origin, "data:", "blob:")):
                request_route.continue_()
            else:
                request_route.abort()

        page.route("**/*", route)
        page.on(
            "console",
            lambda message: (
                watched.problems.append(f"console {message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
        page.on(
            "requestfailed",
            lambda request: (
                watched.problems.append(f"request failed: {request.url} {request.failure}")
                if request.url.startswith(origin)
                else None
            ),
        )
        page.goto(origin + path, wait_until=wait)
        return watched

    def close(self) -> None:
        """Close Chromium and Playwright."""
        self.browser.close()
        self._playwright.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium for the run (skipped where there is none, failed under CI)."""
    executable = chromium_path()
    if executable is None:
        skip_or_fail("no Chromium: apt-get install chromium (or set NHGRAPH_CHROMIUM)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        skip_or_fail("Playwright is not installed: run `make setup`")
    opened = Browser(str(executable))
    yield opened
    opened.close()
