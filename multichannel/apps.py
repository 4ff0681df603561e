from django.apps import AppConfig


class MultichannelConfig(AppConfig):
    name = "multichannel"
    verbose_name = "Multichannel partner portal"

    def ready(self) -> None:
        # Importing them registers the checks and connects the receivers, once models are loaded.
        from multichannel import checks, signals  # noqa: F401, PLC0415  (AppConfig.ready)
