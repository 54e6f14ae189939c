"""The text tool family: manipulation, diffs, templates, schema validation, regex, URLs."""

from . import (  # noqa: F401  (importing a module declares its tools)
    data_validation,
    diff_calculator,
    regex_matcher,
    template_engine,
    text_manipulator,
    url_encoder,
)
