"""Build a runtime with the channels the environment enables."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
from pathlib import Path

from bot.channels.webchat import WebChatChannel
from bot.config import Settings
from bot.dialogue import operator_button
from bot.events import Outbound
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def secret_bytes(settings: Settings, root: Path) -> bytes:
    """The key that signs cookies and web chat sessions.

    ``ZABOTA_SECRET_KEY`` in production; for the demo a random key kept in ``var/`` so that
    sessions survive a restart.
    """
    if settings.secret_key:
        return hashlib.sha256(settings.secret_key.encode()).digest()
    path = root / "var" / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


def add_channels(runtime: Runtime, *, messengers: bool = True, rate_share: int = 1) -> None:
    """Web chat always (unless disabled); Telegram and Viber when their tokens are set.

    ``rate_share``: this process is one of that many serving the bot, so it may use only
    that share of the bot-wide send rate (Telegram's ``global_rate``).
    """
    config = runtime.project.config.channels
    settings = runtime.settings
    if config.webchat.enabled:
        runtime.add_channel(
            WebChatChannel(
                runtime.db,
                runtime.bus,
                secret_bytes(settings, runtime.project.root),
                embed_origins=lambda: runtime.brain.config.channels.webchat.embed_origins,
            )
        )
    if not messengers:
        return
    if settings.telegram_token and config.telegram.enabled:
        from bot.channels.telegram import TelegramChannel, TelegramSettings

        tg_settings = TelegramSettings(
            token=settings.telegram_token,
            payload_store=runtime.payloads,
            file_store=runtime.files,
            api_url=settings.telegram_api_url,
            webhook_url=settings.public_url,
            per_chat_interval=config.telegram.per_chat_interval,
            global_rate=config.telegram.global_rate / max(rate_share, 1),
        )
        if settings.telegram_secret:
            tg_settings = dataclasses.replace(tg_settings, secret_token=settings.telegram_secret)
        runtime.add_channel(TelegramChannel(tg_settings))
        mode = "webhook" if settings.public_url else "polling"
        log.info("Telegram channel enabled (%s mode, API %s)", mode, settings.telegram_api_url)
    if settings.viber_token and config.viber.enabled:
        from bot.channels.viber import ViberChannel, ViberSettings

        def welcome(context: str | None) -> Outbound:
            """The greeting, or the answer a ``context=faq_<id>`` deep link asks for (read
            from the serving brain at each start, so a hot reload's wording is used)."""
            brain = runtime.brain
            entry = brain.kb.get(context[4:]) if context and context.startswith("faq_") else None
            if entry is not None:
                return entry.render("viber")
            return brain.domain.render("utter_greet", "viber")

        runtime.add_channel(
            ViberChannel(
                ViberSettings(
                    token=settings.viber_token,
                    payload_store=runtime.payloads,
                    file_store=runtime.files,
                    bot_name=config.viber.bot_name,
                    avatar=config.viber.avatar,
                    api_url=settings.viber_api_url,
                    webhook_url=settings.public_url,
                    welcome=welcome,
                    keyboard_default=(operator_button(),),
                )
            )
        )
        if not settings.public_url:
            log.warning("Viber needs a public HTTPS webhook: set ZABOTA_PUBLIC_URL")
        log.info("Viber channel enabled (API %s)", settings.viber_api_url)
