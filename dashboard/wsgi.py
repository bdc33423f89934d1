"""WSGI entry point for production servers: ``gunicorn dashboard.wsgi:server``."""

import os

from dashboard.app import create_app, warm_up
from dashboard.response_cache import ResponseCache

app = create_app()
server = app.server
if os.environ.get("WIC_RESPONSE_CACHE", "1") != "0":   # 0: every answer computed afresh (bench/load.py's baseline)
    server.wsgi_app = ResponseCache(server.wsgi_app)
warm_up(watch=1.0)   # each worker builds its lookups before its first request, and again for each new vintage
