"""The demo emails nobody."""

from contextlib import contextmanager

from multichannel import notifications

HELD_BACK_EMAILS = (
    "send_invitation",
    "send_request_answered",
    "send_move_reminder",
    "send_transfer_news",
    "send_support_news",
)


@contextmanager
def emails_held_back():
    """The answer services, the move reminders and the transfer services email with
    `transaction.on_commit`; the seed runs in one transaction, so those emails would be printed
    when it commits. The services look the sender up when they schedule it, so a no-op in its
    place while the demo requests, moves and transfers are made keeps them unsent."""
    saved = {name: getattr(notifications, name) for name in HELD_BACK_EMAILS}
    for name in HELD_BACK_EMAILS:
        setattr(notifications, name, _send_nothing)
    try:
        yield
    finally:
        for name, sender in saved.items():
            setattr(notifications, name, sender)


def _send_nothing(*args, **kwargs) -> None:
    return None
