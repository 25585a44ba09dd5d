"""The OpenAPI 3.1 document of ``/api/v1`` (served at ``/api/v1/openapi.json``).

Hand-written and checked against the real responses by ``tests/web/test_openapi.py`` (schemathesis).
"""

from __future__ import annotations

from typing import Any

_S = {"type": "string"}
_B = {"type": "boolean"}
_I = {"type": "integer"}
_MSG = {"type": "object", "required": ["en", "zh"], "properties": {"en": _S, "zh": _S}}
_NULLABLE_MSG = {"oneOf": [_MSG, {"type": "null"}]}
_LEVEL = {"type": "string", "enum": ["safe", "caution", "danger", "unknown"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": _S, "message": _S},
            }
        },
    },
    "Reason": {
        "type": "object",
        "required": ["code", "severity", "evidence", "message", "weight", "source"],
        "properties": {
            "code": _S,
            "severity": {"type": "string", "enum": ["info", "low", "medium", "high"]},
            "evidence": _S,
            "message": _MSG,
            "weight": _I,
            "source": _S,
        },
    },
    "Payload": {
        "type": "object",
        "required": ["text", "kind", "display", "fields", "links", "source", "explanation"],
        "properties": {
            "text": _S,
            "kind": _S,
            "display": _S,
            "fields": {"type": "object", "additionalProperties": _S},
            "links": {"type": "array", "items": _S},
            "source": _S,
            "explanation": _NULLABLE_MSG,
            "raw_hex": _S,
        },
    },
    "Hop": {
        "type": "object",
        "required": ["url", "kind", "status", "ip", "ms", "error", "note"],
        "properties": {
            "url": _S,
            "kind": _S,
            "status": {"type": ["integer", "null"]},
            "ip": {"type": ["string", "null"]},
            "ms": {"type": ["number", "null"]},
            "error": {"type": ["string", "null"]},
            "note": _S,
        },
    },
    "LinkReport": {
        "type": "object",
        "required": [
            "url",
            "original",
            "final_url",
            "chain",
            "stop_reason",
            "level",
            "warn",
            "score",
            "reasons",
            "host",
            "host_unicode",
            "registrable_domain",
            "pii",
            "expanded",
            "cached",
            "profiles",
            "page_title",
        ],
        "properties": {
            "url": _S,
            "original": _S,
            "final_url": _S,
            "chain": {"type": "array", "items": {"$ref": "#/components/schemas/Hop"}},
            "stop_reason": _S,
            "level": _LEVEL,
            "warn": _B,
            "score": _I,
            "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
            "host": _S,
            "host_unicode": _S,
            "registrable_domain": _S,
            "pii": {"type": "array", "items": _S},
            "expanded": _B,
            "cached": _B,
            "profiles": {"type": "object", "additionalProperties": _S},
            "page_title": _S,
        },
    },
    "Report": {
        "type": "object",
        "required": [
            "schema_version",
            "input_kind",
            "warn",
            "level",
            "score",
            "summary",
            "reasons",
            "pii",
            "advice",
            "payloads",
            "links",
            "offline",
        ],
        "properties": {
            "schema_version": _I,
            "input_kind": {"type": "string", "enum": ["text", "image", "page"]},
            "warn": _B,
            "level": _LEVEL,
            "score": {"type": "integer", "minimum": 0, "maximum": 100},
            "summary": _NULLABLE_MSG,
            "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
            "pii": {"type": "array", "items": _S},
            "advice": {"type": "array", "items": _MSG},
            "payloads": {"type": "array", "items": {"$ref": "#/components/schemas/Payload"}},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/LinkReport"}},
            "offline": _B,
        },
    },
    "Health": {
        "type": "object",
        "required": ["ok", "version"],
        "properties": {"ok": {"const": True}, "version": _S, "schema_version": _I},
    },
    "Rules": {
        "type": "object",
        "required": ["version", "block", "allow"],
        "properties": {
            "version": _S,
            "block": {"type": "array", "items": _S},
            "allow": {"type": "array", "items": _S},
        },
    },
    "Paired": {
        "type": "object",
        "required": ["paired"],
        "properties": {"paired": {"const": True}, "origin": {"type": ["string", "null"]}},
    },
}


def _err(desc: str) -> dict[str, Any]:
    return {
        "description": desc,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_COMMON_ERRORS = {
    "401": _err("Missing or wrong X-LureLens-Token."),
    "403": _err("Host, Origin or Sec-Fetch-Site refused."),
    "429": _err("Rate limit; see Retry-After."),
    "504": _err("The check took longer than request_timeout."),
}
_BODY_ERRORS = {
    "400": _err("Bad input (code names the problem)."),
    "413": _err("Body or input too large."),
    "415": _err("Not JSON (or not a supported image)."),
    "422": _err("Corrupt image."),
}


def _ok(schema: str) -> dict[str, Any]:
    return {
        "description": "OK",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def document(version: str) -> dict[str, Any]:
    """The OpenAPI document."""
    report_post = {**_COMMON_ERRORS, **_BODY_ERRORS, "200": _ok("Report")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LureLens local API",
            "version": version,
            "description": "Local-only API of `lurelens serve`. See docs/api.md.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-LureLens-Token"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/health": {
                "get": {"operationId": "health", "responses": {**_COMMON_ERRORS, "200": _ok("Health")}}
            },
            "/check": {
                "post": {
                    "operationId": "check",
                    "requestBody": _json(
                        {
                            "type": "object",
                            "required": ["text"],
                            "properties": {
                                "text": {"type": "string", "maxLength": 262144},
                                "offline": {"type": "boolean"},
                            },
                        }
                    ),
                    "responses": report_post,
                }
            },
            "/scan": {
                "post": {
                    "operationId": "scan",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["image"],
                                    "properties": {
                                        "image": {
                                            "type": "string",
                                            "contentMediaType": "application/octet-stream",
                                        },
                                        "offline": {"type": "string", "enum": ["true", "false"]},
                                        "decode_only": {"type": "string", "enum": ["true", "false"]},
                                    },
                                }
                            },
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["image_base64"],
                                    "properties": {
                                        "image_base64": {"type": "string", "contentEncoding": "base64"},
                                        "offline": {"type": "boolean"},
                                        "decode_only": {"type": "boolean"},
                                    },
                                }
                            },
                        },
                    },
                    "responses": report_post,
                }
            },
            "/page": {
                "post": {
                    "operationId": "page",
                    "requestBody": _json(
                        {
                            "type": "object",
                            "required": ["html", "url"],
                            "properties": {"html": {"type": "string"}, "url": {"type": "string"}},
                        }
                    ),
                    "responses": report_post,
                }
            },
            "/lists": {
                "get": {
                    "operationId": "lists_status",
                    "responses": {
                        **_COMMON_ERRORS,
                        "200": {
                            "description": "One entry per list (bundled, fetched, user, the allowlist)",
                            "content": {"application/json": {"schema": {"type": "array", "items": {
                                "type": "object", "required": ["name"],
                                "properties": {"name": _S, "category": _S, "origin": _S,
                                               "entries": {"type": ["integer", "null"]}}}}}},
                        },
                        "503": _err("List manager not available."),
                    },
                }
            },
            "/lists/update": {
                "post": {
                    "operationId": "lists_update",
                    "requestBody": _json({"type": "object"}),
                    "responses": {
                        **_COMMON_ERRORS,
                        **_BODY_ERRORS,
                        "200": {"description": "Update result"},
                        "502": _err("A feed failed."),
                        "503": _err("List manager not available."),
                    },
                }
            },
            "/lists/add": {
                "post": {
                    "operationId": "lists_add",
                    "requestBody": _json(
                        {
                            "type": "object",
                            "properties": {"source": _S, "content": _S, "name": _S, "format": _S,
                                           "category": _S},
                        }
                    ),
                    "responses": {
                        **_COMMON_ERRORS,
                        **_BODY_ERRORS,
                        "200": {"description": "Added"},
                        "500": _err("List error."),
                        "502": _err("A feed failed."),
                        "503": _err("List manager not available."),
                    },
                }
            },
            "/lists/remove": {
                "post": {
                    "operationId": "lists_remove",
                    "requestBody": _json(
                        {"type": "object", "required": ["name"], "properties": {"name": _S}}
                    ),
                    "responses": {
                        **_COMMON_ERRORS,
                        **_BODY_ERRORS,
                        "200": {"description": "Removed"},
                        "500": _err("List error."),
                        "503": _err("List manager not available."),
                    },
                }
            },
            "/lists/allow": {
                "post": {
                    "operationId": "lists_allow",
                    "requestBody": _json(
                        {"type": "object", "required": ["domain"], "properties": {"domain": _S, "remove": _B}}
                    ),
                    "responses": {
                        **_COMMON_ERRORS,
                        **_BODY_ERRORS,
                        "200": {"description": "Allowlist changed"},
                        "500": _err("List error."),
                        "503": _err("List manager not available."),
                    },
                }
            },
            "/lists/rules": {
                "get": {
                    "operationId": "lists_rules",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 30000},
                        }
                    ],
                    "responses": {
                        **_COMMON_ERRORS,
                        "200": _ok("Rules"),
                        "400": _err("Bad limit."),
                        "503": _err("List manager not available."),
                    },
                }
            },
            "/pair": {"post": {"operationId": "pair", "responses": {**_COMMON_ERRORS, "200": _ok("Paired")}}},
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "responses": {
                        **_COMMON_ERRORS,
                        "200": {
                            "description": "This document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                    },
                }
            },
        },
    }
