"""The web console and the JSON API over the archive: one ASGI app (FastAPI), served by uvicorn.

``streams serve`` runs it: the JSON API at ``/`` (OpenAPI at ``/openapi.json``) and the newsroom
console at ``/console/`` (live stream, article, search, speaker pages), read-only, over one archive.
"""
