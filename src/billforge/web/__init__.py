"""The web page at ``/ui`` (``routes``): log in, the Invoice API Generator's New Task page and task list,
account and invoice browsing. Templates in ``templates/``, script and style in ``static/``."""

from pathlib import Path
from typing import Final

WEB_STATIC: Final = Path(__file__).parent / "static"
