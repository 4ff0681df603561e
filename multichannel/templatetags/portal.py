import re
from datetime import datetime

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from multichannel.roles import ROLE_BADGES, Role

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, css_class: str = ""):
    """A column header that sorts the list by `key`, toggling the direction, keeping filters."""
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    if current == key:
        params["sort"], state, icon = f"-{key}", "ascending", "bi-sort-up"
    elif current == f"-{key}":
        params["sort"], state, icon = key, "descending", "bi-sort-down"
    else:
        params["sort"], state, icon = key, "none", ""
    icon_html = format_html(' <i class="bi {}" aria-hidden="true"></i>', icon) if icon else ""
    hint = {"ascending": "sorted ascending", "descending": "sorted descending"}.get(state, "")
    hint_html = format_html(' <span class="visually-hidden">({})</span>', hint) if hint else ""
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a class="sort-link" href="?{}">{}{}{}</a></th>',
        css_class,
        state,
        params.urlencode(),
        label,
        icon_html,
        hint_html,
    )


@register.inclusion_tag("includes/role_badges.html")
def role_badges(user):
    return {"badges": [(role.label, ROLE_BADGES[role]) for role in Role if role in user.roles]}


@register.filter
def breakable(value) -> str:
    """An address or domain that may wrap after its dots and @, not in the middle of a word."""
    parts = _BREAK_AFTER.split(str(value))
    return format_html_join(WBR, "{}", ((part,) for part in parts))


_BREAK_AFTER = re.compile(r"(?<=[.@])")
WBR = SafeString("<wbr>")


# `|date:"Y-m-d"` and `|date:"Y-m-d H:i"` without the localisation machinery, several times
# cheaper: long lists format dates on every row. Empty for anything that is not a date.
@register.filter(expects_localtime=True)
def iso_day(value) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else ""


@register.filter(expects_localtime=True)
def iso_minute(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ""


@register.filter(expects_localtime=True)
def iso_second(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else ""


@register.filter(expects_localtime=True)
def isoformat(value) -> str:
    """`|date:"c"` to the second, for a `<time datetime>` attribute: HTML allows at most three
    digits after the seconds, and a stored time has six."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat() if hasattr(value, "isoformat") else ""
