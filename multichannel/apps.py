from django.apps import AppConfig


class MultichannelConfig(AppConfig):
    name = "multichannel"
    verbose_name = "Multichannel partner portal"

    def ready(self) -> None:
        from multichannel import checks, signals  # noqa: F401  (registers checks, connects receivers)
