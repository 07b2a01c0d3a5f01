"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json). Errors are JSON: {"error": ...}."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["api"])
