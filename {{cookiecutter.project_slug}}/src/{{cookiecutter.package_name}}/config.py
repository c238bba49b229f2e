"""Settings, read from environment variables so one image runs in every environment."""

import logging
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Everything the service can be configured with; see README.md for the variables."""

    log_level: str = "INFO"
    # The one directory the service writes its state to (the image's data volume).
    data_dir: str = "/data"
{%- if cookiecutter.framework != "none" %}
    host: str = "0.0.0.0"
    port: int = {{ cookiecutter.port }}
{%- else %}
    interval: float = 5.0
    heartbeat_file: str = "/tmp/{{ cookiecutter.project_slug }}.heartbeat"
{%- endif %}

    @classmethod
    def from_env(cls, environ=os.environ):
        """Read the settings from the environment, falling back to the defaults above."""
        return cls(
            log_level=environ.get("LOG_LEVEL", cls.log_level).upper(),
            data_dir=environ.get("DATA_DIR", cls.data_dir),
{%- if cookiecutter.framework != "none" %}
            host=environ.get("HOST", cls.host),
            port=int(environ.get("PORT", cls.port)),
{%- else %}
            interval=float(environ.get("WORK_INTERVAL", cls.interval)),
            heartbeat_file=environ.get("HEARTBEAT_FILE", cls.heartbeat_file),
{%- endif %}
        )


def configure_logging(settings):
    """Log to stdout, where `docker logs` and every log collector look."""
    logging.basicConfig(
        stream=sys.stdout,
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
