"""OpenAPI: a dialect's own error format and status codes on every one of its operations.

flask-smorest documents every operation with a `default` response in its own error
schema (`application/json`) and every `@blp.arguments` with a 422; neither is what a
dialect sends. `document_dialect` rewrites the operations under a dialect's prefix
after its blueprint is registered: no `default` (every status a client can get is
listed), query validation errors under the status the dialect really answers, and
each error response carrying the dialect's error media type and body schema. Then
tests/test_fuzz_openapi.py can hold the server to its document.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Callable

from flask_smorest import Api

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "x-lookup")
# Any dialect request can meet these, before its own code runs.
COMMON_ERRORS = {
    "400": "Invalid request (NUL characters in the URL, bad parameters or body)",
    "401": "No token, or an invalid or revoked one",
    "403": "The token lacks the scope this operation needs",
    "414": "URL (path and query) longer than 8,000 bytes",
    "429": "Too many requests for this token (only when CONTACTS_RATE_LIMIT is set)",
    "503": "The database stayed busy; retry the request",
}
BODY_ERRORS = {
    "400": "Malformed JSON or invalid data",
    "413": "Request body larger than the configured maximum",
}
PATH_ERRORS = {"404": "No such resource"}
JSON = "application/json"


# ---------------------------------------------------------------- pieces of operation documents

def ref(component: str) -> dict:
    """A `$ref` to the schema component `component`."""
    return {"$ref": f"#/components/schemas/{component}"}


def array_of(items: dict) -> dict:
    """The schema of a JSON array of `items`."""
    return {"type": "array", "items": items}


def request_body(component: str, media_type: str = JSON) -> dict:
    """A required request body of the schema component `component`."""
    return {"required": True, "content": {media_type: {"schema": ref(component)}}}


def response(description: str, schema: dict | None = None, media_type: str = JSON,
             headers: dict | None = None) -> dict:
    """One documented response; with `schema`, its body in `media_type`."""
    out: dict = {"description": description}
    if schema is not None:
        out["content"] = {media_type: {"schema": schema}}
    if headers:
        out["headers"] = headers
    return out


def responses(**described: str) -> dict:
    """Responses by status, from keywords such as `_404="No such contact"` (a name can't start with a digit)."""
    return {code.lstrip("_"): {"description": text} for code, text in described.items()}


def query_documented(schema) -> "Callable":
    """Document `schema` as a view's query parameters, as `@blp.arguments(location="query")`
    would, without parsing them: for views whose dialect parses its own query string (the
    webargs pass cost a tenth of a millisecond per request for nothing)."""
    parameters = {"in": "query", "required": True, "schema": schema}

    def decorator(func):
        func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
        docs = func._apidoc.setdefault("arguments", {})
        docs.setdefault("parameters", []).append(parameters)
        docs.setdefault("responses", {})[422] = "UNPROCESSABLE_ENTITY"
        return func
    return decorator


SMOREST_REFS = ("#/components/responses/DEFAULT_ERROR", "#/components/responses/UNPROCESSABLE_ENTITY")


def document_dialect(api: Api, prefix: str, *, error_schema_name: str, error_schema: dict,
                     error_content_type: str, success_content_type: str | None = None,
                     validation_status: str = "400", extra_errors: dict[str, str] | None = None,
                     error_contents: dict[str, dict] | None = None) -> None:
    """Describe the errors (and success media type) of every operation under `prefix`.

    `error_contents` maps a status to its own `content` (e.g. FOLIO: text/plain errors but a JSON 422).
    """
    api.spec.components.schema(error_schema_name, component=error_schema)
    error_content = {error_content_type: {"schema": {"$ref": f"#/components/schemas/{error_schema_name}"}}}
    base = prefix.rstrip("/")
    for path, item in api.spec._paths.items():
        if not (path == base or path.startswith(base + "/")):
            continue
        for method, operation in item.items():
            if method in METHODS and isinstance(operation, dict):
                _rewrite(operation, path, error_content, success_content_type, validation_status,
                         extra_errors or {}, error_contents or {})


def _rewrite(operation: dict, path: str, error_content: dict, success_content_type: str | None,
             validation_status: str, extra_errors: dict[str, str], error_contents: dict[str, dict]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("default", None)
    generated = responses.get("422", {})
    if generated.get("$ref") in SMOREST_REFS:  # @blp.arguments' 422: the dialect answers its own status
        del responses["422"]
        responses.setdefault(validation_status, {"description": "Invalid query parameters"})
    wanted = dict(COMMON_ERRORS)
    wanted.update(extra_errors)
    if "requestBody" in operation:
        wanted.update(BODY_ERRORS)
    if any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict)):
        wanted["400"] = BODY_ERRORS["400"] if "requestBody" in operation else "Invalid query parameters"
    if "{" in path:
        wanted.update(PATH_ERRORS)
    for status, description in wanted.items():
        responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        if not isinstance(response, dict) or "$ref" in response:
            continue
        if status[0] in "45":
            response.setdefault("content", error_contents.get(status, error_content))
        elif success_content_type and status[0] == "2" and status not in ("204", "205"):
            response.setdefault("content", {success_content_type: {"schema": {}}})
