"""Playwright driving Debian's Chromium (/usr/bin/chromium) against the live test server.

Every page a test visits is watched: a Content Security Policy violation or a script error fails
the test. Without Chromium the browser tests are skipped, unless REQUIRE_BROWSER is set (CI)."""

import os
from pathlib import Path

import axe_playwright_python
import pytest
from django.core.cache import cache
from playwright.sync_api import sync_playwright

from multichannel import mfa
from multichannel.models import User
from tests.factories import give_authenticator, next_code

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).parent

# axe-core as the axe-playwright-python package ships it: evaluated in the page by Playwright,
# which the page's Content Security Policy does not restrict; nothing is fetched.
AXE_SCRIPT = (Path(str(axe_playwright_python.__file__)).parent / "axe.min.js").read_text()
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 740}
AXE_RUN = "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Boxes inside the page that scroll sideways (a table wider than its `.table-responsive`): on a
# phone a list stacks its rows or shows fewer columns instead. Fields scroll their own text.
SCROLLING_BOXES = """() => Array.from(document.querySelectorAll('body *')).filter(el => {
  if (el.matches('input, textarea, select')) return false;
  const overflow = getComputedStyle(el).overflowX;
  return (overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1;
}).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + Array.from(el.classList).map(name => '.' + name).join('')
  + ` (${el.scrollWidth} px in ${el.clientWidth})`)"""


def accessibility_problems(page) -> list[str]:
    """What axe-core finds wrong with the page as it is now, and whether it scrolls sideways at
    a phone's width. Nothing for what is not an HTML page (a downloaded or attached file)."""
    if page.evaluate("document.contentType") != "text/html":
        return []
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    width = page.viewport_size["width"]
    where = f"{page.url} at {width} px"
    problems = []
    for violation in page.evaluate(AXE_RUN):
        for node in violation["nodes"]:
            problems.append(
                f"{where}: {violation['id']} ({violation['help']}): "
                f"{' '.join(map(str, node['target']))}: {node['failureSummary']}"
            )
    scroll_width, viewport = page.evaluate(SIDEWAYS)
    if scroll_width > viewport:
        problems.append(f"{where}: {scroll_width} px wide, it scrolls sideways")
    if width <= PHONE["width"]:
        problems += [f"{where}: {box} scrolls sideways" for box in page.evaluate(SCROLLING_BOXES)]
    return problems


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if Path(str(item.fspath)).is_relative_to(HERE)]
    for item in mine:
        item.add_marker(pytest.mark.browser)
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed")
    for item in mine:
        item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache_after_each_test():
    """Browser tests commit, and emptying the tables after them leaves the cache table as it is:
    sign-in counts and cached figures of one test must not reach the next."""
    yield
    cache.clear()


@pytest.fixture(scope="session")
def browser():

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class PageProblems(list):
    def watch(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.append(f"script error: {error}"))

    def _console(self, message):
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused" in text):
            self.append(text)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.passed_its_steps = report.passed
    return report


def look_again(context, page, loaded: list[str], problems: "PageProblems") -> None:
    """The page as the test left it, then each page it loaded, opened again in its context (the
    same user) at a laptop's and a phone's width."""
    if not page.is_closed():
        problems += accessibility_problems(page)
    checker = context.new_page()
    problems.watch(checker)
    seen = set()
    for url in dict.fromkeys(loaded):
        checker.set_viewport_size(DESKTOP)
        checker.goto(url)
        if checker.url in seen:  # a redirect to a page already looked at
            continue
        seen.add(checker.url)
        problems += accessibility_problems(checker)
        checker.set_viewport_size(PHONE)
        problems += accessibility_problems(checker)


@pytest.fixture
def new_page(browser, live_server, request):
    """`new_page()` opens a fresh browser context (its own cookies), watched for problems. Once
    the test has passed, each page it loaded is looked at again at a laptop's and a phone's width:
    axe-core finds nothing wrong and nothing scrolls sideways (see `accessibility_problems`)."""
    opened, problems = [], PageProblems()

    def open_page(width=1280, height=900, **options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            accept_downloads=True,
            # Reduced motion unless a test says otherwise: Bootstrap then switches its transitions
            # off, so axe-core looks at a button's colours as they are, never halfway between two
            # states (a clicked button fading to its hover).
            **{"reduced_motion": "reduce", **options},
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems.watch(page)
        loaded: list[str] = []
        # Only noted here: the test goes on while the page loads, and owns the page meanwhile.
        page.on("load", lambda _: loaded.append(page.url))
        opened.append((context, page, loaded))
        return page

    yield open_page
    try:
        if getattr(request.node, "passed_its_steps", False):
            for context, page, loaded in opened:
                look_again(context, page, loaded, problems)
    finally:
        for context, _, _ in opened:
            context.close()
    assert list(problems) == [], "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, email, password):
    """Sign in through the pages. Where the user's partner requires a second factor, the user
    has an authenticator app (given now if they had none, as if set up earlier) and the second
    step is passed with the code the app would show, computed by pyotp from its key."""
    user = User.objects.filter(email=email.strip().lower()).first()
    device = give_authenticator(user) if user is not None and mfa.required_for(user) else None
    page.goto("/sign-in/")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if device is not None and "/sign-in/verify/" in page.url:
        page.get_by_label("6-digit code from your authenticator app").fill(next_code(device))
        with page.expect_navigation():
            page.get_by_role("button", name="Verify").click()
