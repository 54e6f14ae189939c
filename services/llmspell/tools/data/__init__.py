"""The data tool family: JSON, CSV, YAML, TOML, XML, graphs and record transforms.

Each module declares one tool; importing this package registers them all.
Third-party libraries are imported inside the tools, so this import stays cheap.
"""

from . import (csv_analyzer, data_transformer, graph_analyzer, json_processor,  # noqa: F401
               toml_processor, xml_processor, yaml_processor)
