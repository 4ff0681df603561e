"""Production settings, security headers, the CSP, and that nothing loads from another host."""

import os
import re
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

from multichannel.views.errors import server_error
from tests.factories import signed_in

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": "x7!kq2@v9#r4$w8^m1&p6*z3(b5)n0_c-Lh=Gt+Yd[Fs]Ja{Ue}Io|Pa;Sd:Kl,Zx.Cv/Bn?",
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "PORTAL_BASE_URL": "https://portal.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_the_portal_address(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": "x7!kq2@v9#r4$w8^m1&p6*z3(b5)n0_c-Lh=Gt+Yd[Fs]Ja{Ue}Io|Pa;Sd:Kl,Zx.Cv/Bn?",
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "PORTAL_BASE_URL is not set" in result.stderr + result.stdout


@pytest.mark.parametrize("command", [["check"], ["makemigrations", "--check", "--dry-run"]])
def test_the_portal_refuses_to_start_without_a_secret_key_when_not_debugging(command):
    env = {"PATH": os.environ["PATH"], "DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_pages_send_a_strict_csp_and_the_usual_headers(as_global_admin):
    response = as_global_admin.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


PAGES = [
    ("sign-in", None, {}),
    ("password-reset", None, {}),
    ("home", "global_admin", {}),
    ("home", "sales_agent", {}),
    ("users:list", "global_admin", {}),
    ("users:create", "global_admin", {}),
    ("users:detail", "global_admin", {"uuid": "sales_agent"}),
    ("users:edit", "global_admin", {"uuid": "sales_agent"}),
    ("users:deactivate", "global_admin", {"uuid": "sales_agent"}),
    ("users:reset-password", "global_admin", {"uuid": "sales_agent"}),
    ("activity:list", "global_admin", {}),
    ("password-change", "sales_agent", {}),
    ("users:list", "sales_agent", {}),  # the 403 page
    ("customers:list", "sales_agent", {}),
    ("customers:create", "sales_agent", {}),
    ("customers:detail", "sales_agent", {"uuid": "held_subscription.customer"}),
    ("customers:enter-subscription", "sales_agent", {"uuid": "held_subscription.customer"}),
    ("subscriptions:list", "sales_agent", {}),
    ("subscriptions:detail", "sales_agent", {"uuid": "held_subscription"}),
    ("subscriptions:seats", "sales_agent", {"uuid": "held_subscription"}),
    ("subscriptions:cancel", "sales_agent", {"uuid": "held_subscription"}),
    ("customers:remove-relationship", "global_admin", {"uuid": "held_subscription.customer"}),
    ("relationship_requests:list", "sales_agent", {}),
    ("relationship_requests:new", "sales_agent", {}),
    ("relationship_requests:detail", "sales_agent", {"uuid": "open_request"}),
    ("relationship_requests:revoke", "sales_agent", {"uuid": "open_request"}),
    ("invitation", None, {"token": "open_request"}),  # the customer's public page
]


def _render(request, name, persona, kwargs):

    def resolve(path: str):
        fixture, *attributes = path.split(".")
        value = request.getfixturevalue(fixture)
        for attribute in attributes:
            value = getattr(value, attribute)
        return value.uuid

    client = signed_in(request.getfixturevalue(persona)) if persona else Client()
    if "token" in kwargs:  # the public invitation page: land with the link first
        relationship_request = request.getfixturevalue(kwargs.pop("token"))
        client.get(reverse("invitation-link", args=[relationship_request.token()]))
    kwargs = {k: resolve(v) for k, v in kwargs.items()}
    return client.get(reverse(name, kwargs=kwargs)).content.decode()


ASSET = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)=\"([^\"]+)\"", re.I)


@pytest.mark.parametrize(("name", "persona", "kwargs"), PAGES)
def test_pages_load_nothing_from_another_host_and_nothing_inline(
    request, name, persona, kwargs, sales_agent, global_admin
):
    html = _render(request, name, persona, kwargs)

    for url in ASSET.findall(html):
        assert url.startswith("/"), f"{url} is not served by the portal"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.parametrize(("name", "persona", "kwargs"), PAGES)
def test_pages_are_well_formed_html_with_labelled_fields(
    request, name, persona, kwargs, sales_agent, global_admin
):

    html = _render(request, name, persona, kwargs)
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(html)  # raises on any parse error

    assert document.tag == "html" and document.get("lang") == "en"
    assert document.find(".//title").text.strip()
    assert len(document.findall(".//h1")) == 1
    labels = {label.get("for") for label in document.iter("label")}
    ids = [el.get("id") for el in document.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "duplicate id"
    fields = [el for el in document.iter() if el.tag in ("input", "select", "textarea")]
    for field in fields:
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        assert (
            field.get("id") in labels or field.get("aria-label") or field.get("aria-labelledby")
        ), f"unlabelled field {field.get('name')}"


def _settings_in_subprocess(extra_env: dict, expression: str) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        **extra_env,
    }
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_without_a_database_url_the_portal_uses_an_embedded_sqlite_file():
    name = _settings_in_subprocess({}, "settings.DATABASES['default']['NAME']")
    engine = _settings_in_subprocess({}, "settings.DATABASES['default']['ENGINE']")
    assert engine.endswith("sqlite3")
    assert name.endswith("db.sqlite3")


def test_with_redis_url_cache_and_sessions_are_shared_through_redis():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/15"}
    assert _settings_in_subprocess(env, "settings.CACHES['default']['BACKEND']").endswith(
        "RedisCache"
    )
    assert _settings_in_subprocess(env, "settings.SESSION_ENGINE").endswith("cached_db")
    # Without Redis, the cache lives in the database: still shared by every process.
    assert _settings_in_subprocess({}, "settings.CACHES['default']['BACKEND']").endswith(
        "DatabaseCache"
    )


def test_the_redis_cache_round_trips_when_redis_is_running():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")

    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "portal-test"})
    cache.set("greeting", "hello", 10)
    assert cache.get("greeting") == "hello"
    cache.delete("greeting")


def test_an_unknown_address_gets_the_friendly_404(as_sales_agent):
    response = as_sales_agent.get("/no-such-page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_the_500_page_renders_without_the_database(db, rf, django_assert_num_queries):

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_an_expired_form_explains_itself(sales_agent):

    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_agent)
    response = client.post(reverse("sign-out"))
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
