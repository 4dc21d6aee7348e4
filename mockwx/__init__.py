"""mockwx: a local WeChat login + WeChat Pay v2 server that checks signatures both ways.

The public API is small: ``create_app`` builds the aiohttp application, ``Backend`` is the mock
itself (for in-process use), ``Config`` / ``Settings`` / ``load_config`` configure it, and
``mockwx.wire`` is the protocol toolkit (signing, XML, refund decryption) merchants can reuse.
"""

__version__ = "0.1.0"

from .backend import Backend
from .config import Config, ConfigError, Settings, load_config
from .http.app import create_app

__all__ = ["Backend", "Config", "ConfigError", "Settings", "__version__", "create_app", "load_config"]
