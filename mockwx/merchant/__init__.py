"""The reference merchant: a mini program payment backend that does everything right.

It logs users in with code2session, prices orders from its own catalogue, places them with
unifiedorder, verifies every answer and notification, fulfils each payment exactly once, finds
lost payments with orderquery, closes expired orders and refunds. Its WeChat SDK is
``mockwx.wire``; it knows nothing else of mockwx, so it runs against the real WeChat as well.
"""

from .app import create_app
from .config import ConfigError, MerchantConfig, Product, demo_config, load_config

__all__ = ["ConfigError", "MerchantConfig", "Product", "create_app", "demo_config", "load_config"]
