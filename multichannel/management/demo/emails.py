"""The demo emails nobody."""

from contextlib import AbstractContextManager

from multichannel import notifications

DUMMY_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def emails_held_back() -> AbstractContextManager[None]:
    """The services the demo runs email with `transaction.on_commit`, and the seed runs in one
    transaction, so those emails would go out when it commits: the ones scheduled inside go
    through Django's dummy mail backend instead, whenever they are sent."""
    return notifications.sent_through(DUMMY_BACKEND)
