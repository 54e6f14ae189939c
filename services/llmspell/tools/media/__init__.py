"""The media tool family: image and audio metadata.

Importing this package registers the tools; Pillow and mutagen are imported only
when a tool runs.
"""

from . import audio_metadata, image_metadata  # noqa: F401
