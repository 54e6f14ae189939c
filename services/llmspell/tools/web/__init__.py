"""The web tool family: HTTP requests, scraping, sitemaps, webhooks, API checks, DNS.

Every tool that connects goes through :mod:`llmspell.tools.netsafe` (SSRF rules, timeouts,
size and redirect caps). Third-party imports stay inside the tool functions.
"""

from . import (  # noqa: F401  (importing registers the tools)
    api_tester,
    dns_lookup,
    graphql_query,
    http_request,
    page_monitor,
    scraper,
    sitemap,
    url_analyzer,
    webhook,
)
