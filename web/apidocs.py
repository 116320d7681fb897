"""/api/docs: the API's documentation as one static HTML page rendered from its OpenAPI schema.

FastAPI's default page loads Swagger UI's scripts and styles from a CDN; this page loads nothing from
anywhere (no script at all), so it works offline, behind the park's firewall and under the app's CSP.
"""

from __future__ import annotations

import json

from web.cards import esc

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.5}"
    "pre{background:#f4f6f8;padding:.8em;overflow:auto;font-size:.85em}code{font-size:.9em}"
    ".m{display:inline-block;min-width:4em;font-weight:bold}h2{border-top:1px solid #ccd;padding-top:.8em}"
)


def docs_html(openapi: dict) -> str:
    """Every path and method with its summary, description, request body, responses and schemas."""
    info = openapi.get("info", {})
    parts = [
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{esc(info.get('title', 'API'))} API</title>",
        f"<style>{_STYLE}</style><body><h1>{esc(info.get('title', ''))} API {esc(info.get('version', ''))}</h1>",
        "<p>The machine-readable schema: <a href='/api/openapi.json'>/api/openapi.json</a>.</p>",
    ]
    for path, methods in openapi.get("paths", {}).items():
        for method, operation in methods.items():
            parts.append(f"<h2><span class='m'>{esc(method.upper())}</span> <code>{esc(path)}</code></h2>")
            if operation.get("summary"):
                parts.append(f"<p><strong>{esc(operation['summary'])}</strong></p>")
            if operation.get("description"):
                parts.append(f"<p>{esc(operation['description'])}</p>")
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                parts.append(f"<p>Request body (JSON):</p><pre>{esc(_schema_text(body))}</pre>")
            for code, response in operation.get("responses", {}).items():
                parts.append(f"<p>Response <code>{esc(code)}</code>: {esc(response.get('description', ''))}</p>")
    schemas = openapi.get("components", {}).get("schemas", {})
    if schemas:
        parts.append("<h2>Schemas</h2>")
        for name, schema in schemas.items():
            parts.append(f"<h3 id='{esc(name)}'>{esc(name)}</h3><pre>{esc(json.dumps(schema, indent=1))}</pre>")
    return "".join(parts) + "</body></html>"


def _schema_text(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return f"see {ref.rsplit('/', 1)[-1]} below" if ref else json.dumps(schema, indent=1)
