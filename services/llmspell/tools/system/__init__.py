"""The system tool family: environment, processes, machine metrics, service checks."""

from . import environment, monitor, process, services  # noqa: F401  (registers tools)
