"""`check --deploy` refuses a configuration that would send emails linking to localhost."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def _deploy_check():
    call_command("check", deploy=True, tags=["security"], fail_level="ERROR")


def test_it_fails_without_a_portal_address_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = None
    with pytest.raises(SystemCheckError, match="PORTAL_BASE_URL is not set"):
        _deploy_check()


def test_it_fails_on_an_address_that_is_not_absolute(settings):
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = "portal.example.com"
    with pytest.raises(SystemCheckError, match="not an absolute http"):
        _deploy_check()


def test_it_passes_with_the_portal_address(settings):
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    _deploy_check()


def test_it_says_nothing_in_debug(settings):
    settings.DEBUG = True
    settings.PORTAL_BASE_URL = None
    _deploy_check()
