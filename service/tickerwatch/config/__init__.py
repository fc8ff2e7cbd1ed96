"""The configuration file: its YAML schema (pydantic, `schema`), the FILE:LINE reading of
YAML (`yamlfile`), the exporter-toolkit web config file (`webfile`), and URL checks
(`urls`); `schema` converts what it validates into the core's frozen domain objects.

May import: `tickerwatch.core`, pydantic, yaml. Nothing else of tickerwatch.
"""
