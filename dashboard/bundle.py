"""The data bundle of the current vintage as one zip download (built once per ETL run, then served as a file)."""

from __future__ import annotations

from typing import Any

import flask

from etl import export, read

PATH = "/download/bundle.zip"


def register(server: flask.Flask) -> None:
    """Add the bundle's route to the server."""

    @server.route(PATH)
    def bundle() -> Any:
        """The CSV bundle with its datapackage.json; the first request after a run builds it, under a lock."""
        try:
            path = export.bundle_zip()
        except read.WarehouseMissing as exc:
            return flask.jsonify(error=str(exc)), 503
        return flask.send_file(path, mimetype="application/zip", as_attachment=True, download_name=path.name,
                               max_age=300)
