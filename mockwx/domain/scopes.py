"""The authorization scopes a mini program asks for (protocol/miniprogram-client.md 3.1), as a table:
what each guards, what WeChat's permission dialog says, and how it is granted.

``dialog``: the first ``wx.authorize`` (or guarded call) shows the dialog, a denial sticks until the
settings page changes it. ``auto``: granted without a dialog (scope.userInfo since 2021-04; the
address and invoice scopes, whose authorization WeChat removed). ``settings``: never a dialog, only
the settings page can grant it (scope.userLocationBackground).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    name: str
    asks: str  # the dialog's line under the mini program's name: "申请获取..." in WeChat's words
    label: str  # its row in the settings page
    mode: str = "dialog"  # dialog, auto, settings


SCOPES: tuple[Scope, ...] = (
    Scope("scope.userInfo", "获取你的昵称、头像", "用户信息", "auto"),
    Scope("scope.userLocation", "获取你的位置信息", "位置信息"),
    Scope("scope.userFuzzyLocation", "获取你的模糊位置信息", "模糊位置信息"),
    Scope("scope.userLocationBackground", "在使用期间和离开后获取你的位置信息", "后台定位", "settings"),
    Scope("scope.record", "使用你的麦克风", "麦克风"),
    Scope("scope.camera", "使用你的摄像头", "摄像头"),
    Scope("scope.bluetooth", "使用你的蓝牙", "蓝牙"),
    Scope("scope.writePhotosAlbum", "保存图片或视频到你的相册", "添加到相册"),
    Scope("scope.addPhoneContact", "添加到你的手机通讯录", "添加到通讯录"),
    Scope("scope.addPhoneCalendar", "添加到你的手机日历", "添加到日历"),
    Scope("scope.werun", "获取你的微信运动步数", "微信运动步数"),
    Scope("scope.address", "获取你的通讯地址", "通讯地址", "auto"),
    Scope("scope.invoice", "获取你的发票", "获取发票", "auto"),
    Scope("scope.invoiceTitle", "获取你的发票抬头", "发票抬头", "auto"),
)
BY_NAME: dict[str, Scope] = {scope.name: scope for scope in SCOPES}
