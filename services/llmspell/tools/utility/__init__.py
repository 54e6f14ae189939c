"""The utility tool family: calculator, identifiers, hashes, encodings, dates, randomness, units."""

from . import (  # noqa: F401  (importing a module declares its tools)
    base64_encoder,
    calculator,
    date_time_handler,
    hash_calculator,
    random_generator,
    unit_converter,
    uuid_generator,
)
