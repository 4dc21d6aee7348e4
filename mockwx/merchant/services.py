"""The merchant's services, built once per app and reachable from handlers through one typed app key."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from .auth import Auth
from .checkout import Checkout
from .db import Database
from .gateway import Gateway
from .notify import Notifications
from .reconcile import Reconciler
from .refunds import Refunds
from .store import Store
from .userdata import UserData
from .wechat import WeChatClient


@dataclass(frozen=True, slots=True)
class Services:
    db: Database
    store: Store
    wechat: WeChatClient
    gateway: Gateway  # WeChat Pay in the configured dialect (v2 or v3)
    auth: Auth
    checkout: Checkout
    notifications: Notifications
    reconciler: Reconciler
    refunds: Refunds
    userdata: UserData


SERVICES = web.AppKey("merchant.services", Services)
