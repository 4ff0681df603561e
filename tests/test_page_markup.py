"""Markup that HTML validators check: `<time datetime>` values are valid dates and times, and
each note of a support request's thread is introduced by a heading."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse

from multichannel.services.subscriptions import set_auto_renew
from multichannel.services.support import add_note
from tests.factories import render, signed_in

# A valid date, or a local or global date and time with at most three digits after the seconds
# (HTML's "valid date string" and "valid global date and time string").
VALID_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?"
)
DATETIME_ATTRIBUTE = re.compile(r'<time[^>]*\sdatetime="([^"]*)"')


def datetimes(response) -> list[str]:
    assert response.status_code in (200, 429), response.status_code
    return DATETIME_ATTRIBUTE.findall(response.content.decode())


def test_a_time_to_the_microsecond_is_written_to_the_second():
    moment = datetime(2026, 3, 1, 23, 30, 5, 441_123, tzinfo=UTC)

    assert render("{{ v|isoformat }}", v=moment) == "2026-03-01T23:30:05+00:00"
    assert VALID_DATETIME.fullmatch(render("{{ v|isoformat }}", v=moment))


@pytest.mark.parametrize(
    "path",
    [
        reverse("home"),
        reverse("activity:list"),
        reverse("users:list"),
        reverse("customers:list"),
    ],
)
def test_every_time_on_the_lists_is_a_valid_html_datetime(path, global_admin, held_subscription):
    values = datetimes(signed_in(global_admin).get(path))

    assert values, f"{path} shows no time"
    for value in values:
        assert VALID_DATETIME.fullmatch(value), f"{path}: datetime={value!r}"


def test_every_time_on_the_pages_about_one_thing_is_a_valid_html_datetime(
    global_admin, sales_agent, held_subscription, support_request
):
    add_note(by=global_admin, support=support_request, body="Called back.")
    set_auto_renew(by=global_admin, subscription=held_subscription, on=False)
    client = signed_in(global_admin)
    signed_in(sales_agent)  # a last sign-in to show
    pages = [
        sales_agent.get_absolute_url(),
        held_subscription.get_absolute_url(),
        support_request.get_absolute_url(),
    ]
    for path in pages:
        values = datetimes(client.get(path))
        assert values, f"{path} shows no time"
        for value in values:
            assert VALID_DATETIME.fullmatch(value), f"{path}: datetime={value!r}"


def test_the_time_a_locked_sign_in_may_try_again_is_a_valid_html_datetime(sales_agent):
    client = Client()
    for _ in range(5):
        response = client.post(
            reverse("sign-in"), {"username": sales_agent.email, "password": "wrong"}
        )

    assert response.status_code == 429
    (value,) = datetimes(response)
    assert VALID_DATETIME.fullmatch(value), value


class Outline(HTMLParser):
    """The headings of a page, and the heading each `<article>` opens with."""

    def __init__(self):
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.articles: list[str | None] = []
        self._in_heading: int | None = None
        self._article_open = False
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.articles.append(None)
            self._article_open = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._in_heading, self._text = int(tag[1]), ""

    def handle_data(self, data):
        if self._in_heading:
            self._text += data

    def handle_endtag(self, tag):
        if self._in_heading and tag == f"h{self._in_heading}":
            text = " ".join(self._text.split())
            self.headings.append((self._in_heading, text))
            if self._article_open and self.articles[-1] is None:
                self.articles[-1] = text
            self._in_heading = None
        elif tag == "article":
            self._article_open = False


def test_each_note_of_a_support_request_has_a_heading_naming_its_author_and_time(
    global_admin, support_request
):
    add_note(by=global_admin, support=support_request, body="Called the customer back.")

    response = signed_in(global_admin).get(support_request.get_absolute_url())

    outline = Outline()
    outline.feed(response.content.decode())
    assert len(outline.articles) == 2  # the request itself, then the note
    first, note = outline.articles
    assert first and first.startswith("Dana Diaz filed it on ")
    assert note and note.startswith("Avery Adams · ")
    # No level is skipped on the way down: h1, h2, h3.
    levels = [level for level, _ in outline.headings]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), outline.headings
    assert (3, note) in outline.headings
