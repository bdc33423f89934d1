"""WSGI entry point for production servers: ``gunicorn dashboard.wsgi:server``."""

from dashboard.app import create_app, warm_up

app = create_app()
server = app.server
warm_up()   # each worker builds its lookups before its first request, not during it
