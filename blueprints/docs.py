"""/docs: Swagger UI from local files, with a plugin that shows and sends Incoplax's LOOKUP.

OpenAPI 3.0 cannot describe a custom HTTP method, so LOOKUP is the `x-lookup` extension
of its path items (blueprints/incoplax.py). Swagger UI ignores extensions; the page loads
docs_static/lookup-plugin.js, which lists each `x-lookup` as an operation and sends its
"Try it out" request with the method LOOKUP. Everything is served by this process (the
Swagger UI files from the swagger-ui-bundle package), so the docs work offline.
"""
from __future__ import annotations

import os

import swagger_ui_bundle
from flask import Blueprint, Flask, current_app, render_template_string, send_from_directory, url_for

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docs_static")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{ title }}</title>
  <link href="{{ url_for('docs.assets', filename='swagger-ui.css') }}" rel="stylesheet" type="text/css">
  <link href="{{ url_for('docs.static', filename='lookup-plugin.css') }}" rel="stylesheet" type="text/css">
</head>
<body>
  <div id="swagger-ui-container"></div>
  <script src="{{ url_for('docs.assets', filename='swagger-ui-standalone-preset.js') }}"></script>
  <script src="{{ url_for('docs.assets', filename='swagger-ui-bundle.js') }}"></script>
  <script src="{{ url_for('docs.static', filename='lookup-plugin.js') }}"></script>
  <script>
    window.onload = function () {
      window.ui = SwaggerUIBundle({
        url: {{ spec_url | tojson }},
        dom_id: "#swagger-ui-container",
        plugins: [ContactsLookupPlugin],
        supportedSubmitMethods: ContactsLookupPlugin.submitMethods,
        requestInterceptor: ContactsLookupPlugin.requestInterceptor
      });
    };
  </script>
</body>
</html>
"""

blp = Blueprint("docs", __name__, static_folder=STATIC, static_url_path="/docs/plugins")


@blp.get("/docs")
def page():
    """The API documentation (Swagger UI)."""
    return render_template_string(PAGE, title=current_app.config.get("API_TITLE", "API"),
                                  spec_url=url_for("api-docs.openapi_json"))


@blp.get("/docs/assets/<path:filename>")
def assets(filename: str):
    """Swagger UI's files, served locally so the docs work offline."""
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)


def install_docs(app: Flask) -> None:
    """Serve /docs (Swagger UI with the LOOKUP plugin) and its files."""
    app.register_blueprint(blp)
