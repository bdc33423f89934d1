"""gunicorn's settings for ``wic serve`` (passed as ``--config python:dashboard.gunicorn_conf``, whatever the
working directory).

The app answers over-long addresses (414) and headers (431) itself, so gunicorn's bounds are set above the
app's (dashboard/limits.py); what gunicorn still rejects gets JSON with the security headers.
"""

from dashboard import limits

limit_request_line = limits.GUNICORN_REQUEST_LINE
limit_request_field_size = limits.GUNICORN_FIELD_SIZE
limits.install_gunicorn_errors()   # here, in the master, so every forked worker has it
