"""The workspace: sign-in, result entry and approval, alignment overrides, uploads, audit, users."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/{lang}/workspace", include_in_schema=False)
