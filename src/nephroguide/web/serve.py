"""``nephroguide serve``: uvicorn with nephroguide's own access log (method, path, status, duration only)."""

from __future__ import annotations

import sys
from typing import Any

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "nephroguide.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # uvicorn's own access log prints query strings (which may hold clinical values): off.
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    # Warm up in the parent so the first request is fast and a broken pack fails at start, not per request.
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.web.settings import Settings

    load_pack()
    from nephroguide.review.sync import start_pack_sync

    start_pack_sync()  # keep <home>/pack in step with the review store's approvals (when there is a store)
    print(f"nephroguide web app on http://{host}:{port} (workers: {workers}; Ctrl+C stops)", file=sys.stderr, flush=True)
    if workers > 1:
        uvicorn.run("nephroguide.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    access_log=False, log_config=LOG_CONFIG, server_header=False, proxy_headers=False)
        return
    from nephroguide.web.app import create_app
    from nephroguide.web.cds.hooks import warm_up

    warm_up()  # FHIR models, units, drug names: the first CDS call after start is as fast as the others
    uvicorn.run(create_app(Settings.from_env()), host=host, port=port, access_log=False, log_config=LOG_CONFIG,
                server_header=False, proxy_headers=False)
