"""llmspell.systemd: sd_notify, socket activation and journald logging for services.

Shared by the gateway and kernel services; cheap to import (systemd-python
and sdnotify are imported only when systemd actually passed us something).
"""

from llmspell.systemd.activation import clean_activation_env, listen_fds, listen_fds_by_name
from llmspell.systemd.journal import MESSAGE_IDS, lifecycle, setup_logging
from llmspell.systemd.notify import Notifier

__all__ = [
    "MESSAGE_IDS",
    "Notifier",
    "clean_activation_env",
    "lifecycle",
    "listen_fds",
    "listen_fds_by_name",
    "setup_logging",
]
