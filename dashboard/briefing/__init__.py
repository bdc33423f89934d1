"""Council briefings: a printable two-page brief of a country or group, in English or Chinese.

One template serves the dashboard (``/briefing``, ``/briefing/html``, ``/briefing/pdf``) and the CLI
(``wic brief``): :mod:`.build` gathers the data through the read API, :mod:`.narrative` turns it into sentences
whose every number is a fact with its query, :mod:`.template` writes standalone HTML with print CSS and charts
drawn by the local plotly.js, :mod:`.pdf` prints it with headless Chromium.
"""

from dashboard.briefing.build import Brief, BriefingError, build, check_subject, subjects
from dashboard.briefing.pdf import cached_pdf, write_brief
from dashboard.briefing.template import render

__all__ = ["Brief", "BriefingError", "build", "cached_pdf", "check_subject", "render", "subjects", "write_brief"]
