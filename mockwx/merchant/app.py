"""``create_app(config, clock=)``: builds the services, wires the routes, owns startup and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from . import api
from .auth import Auth
from .checkout import Checkout
from .config import MerchantConfig
from .db import Database
from .gateway import Gateway
from .notify import Notifications
from .pay_v2 import V2Gateway
from .pay_v3 import V3Gateway
from .reconcile import Reconciler
from .refunds import Refunds
from .services import SERVICES, Services
from .store import Store
from .tokens import AccessTokens
from .userdata import UserData
from .wechat import WeChatClient

MAX_BODY_BYTES = 64 * 1024  # JSON calls and WeChat's notifications are all far smaller


def build_services(config: MerchantConfig, clock: Callable[[], float]) -> Services:
    db = Database(config.db_path)
    store = Store(db)
    wechat = WeChatClient(config)
    gateway: Gateway = V3Gateway(config, wechat) if config.api == "v3" else V2Gateway(config, wechat)
    reconciler = Reconciler(config, store, gateway, clock)
    return Services(
        db=db,
        store=store,
        wechat=wechat,
        gateway=gateway,
        auth=Auth(config, store, wechat, clock),
        checkout=Checkout(config, store, gateway, reconciler, clock),
        notifications=Notifications(config, store, clock),
        reconciler=reconciler,
        refunds=Refunds(config, store, gateway, clock),
        userdata=UserData(config, wechat, AccessTokens(wechat, clock)),
    )


def create_app(config: MerchantConfig, *, clock: Callable[[], float] | None = None) -> web.Application:
    """The reference merchant as an aiohttp application.

    ``clock`` (seconds since the epoch; default ``time.time``) decides every expiry: sessions,
    orders, time_expire, reconciliation. Tests pass the mock's virtual clock so both sides agree.
    """
    services = build_services(config, clock or time.time)
    app = web.Application(middlewares=[api.error_middleware], client_max_size=MAX_BODY_BYTES)
    app[SERVICES] = services

    async def resources(_app: web.Application) -> AsyncIterator[None]:
        try:
            await services.db.open()  # creates the database and applies migrations on first start
            await services.wechat.start()
            yield
        finally:
            await services.wechat.stop()
            await services.db.close()

    async def sweeper(_app: web.Application) -> AsyncIterator[None]:
        task = None
        if config.sweep_interval > 0:
            task = asyncio.create_task(services.reconciler.run_forever(config.sweep_interval))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(sweeper)
    api.add_routes(app)
    return app
