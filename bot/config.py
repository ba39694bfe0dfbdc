"""Project configuration: ``config.yml``, ``domain.yml`` and secrets from the environment.

Content and configuration live in validated YAML; secrets never do. Every problem is reported
as ``file:line: what is wrong`` before anything starts.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.events import Button, ButtonStyle, Outbound
from bot.yamlio import ContentError, Problem, YamlDoc, load_yaml
from handoff.config import HandoffConfig


class PolicyConfig(BaseModel):
    """How the dialogue policy uses NLU decisions."""

    model_config = ConfigDict(extra="forbid")

    clarify_max_options: int = Field(default=3, ge=2, le=5)
    # A message of several questions gets one answer per question it understood, at most this
    # many (1 = only ever answer the message as a whole).
    max_answers_per_message: int = Field(default=3, ge=1, le=5)
    offer_operator_button: bool = True
    # A message that only names a topic («возврат», «вопрос по оплате») gets «Что именно вас
    # интересует?» with that topic's entries instead of the NLU's one guess (bot/topics.py).
    clarify_bare_topics: bool = True
    max_message_chars: int = Field(default=4000, ge=100)
    # «а за 2 часа?» right after an answer about delivery: the entries of that answer's
    # category get this added to their scores before the decision is taken again
    # (bot/followup.py); 0 reads every message on its own.
    followup_category_bonus: float = Field(default=0.2, ge=0, le=0.5)
    followup_window_minutes: int = Field(default=30, ge=1)
    # A conversation only the bot has had ends after this many minutes without a message: the
    # next message opens a new one (a new flow, a new «не понял» count, its own line in the
    # figures), and retention can erase the old one. 0 keeps it open for ever.
    session_expiry_minutes: int = Field(default=60, ge=0)
    # A flow's question left unanswered this long is no longer waiting: the next message is
    # read as a new one, in this conversation or the next (docs/flows.md). 0: it waits for ever.
    flow_expiry_hours: int = Field(default=12, ge=0)
    # «👍 Помогло / 👎 Не помогло» under a single FAQ answer (bot/helpful.py); the editor's page
    # lists the answers customers said did not help.
    ask_helpful: bool = True


class WebChatConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    title: str = "Чат поддержки"
    # The company's sites that may show the chat in their pages with `/widget.js`
    # (bot/web/embed.py): the chat page lets only these frame it (CSP `frame-ancestors`), and
    # only their pages are recorded as where a customer wrote from. Empty: only our own pages.
    embed_origins: list[str] = Field(default_factory=list)

    @field_validator("embed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return [_origin(value) for value in values]


def _origin(value: str) -> str:
    """``https://shop.example.ru`` as the browser writes an origin: scheme, host, port."""
    from urllib.parse import urlsplit

    text = value.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or any(ch in text for ch in " *'\";")
    ):
        raise ValueError(
            f"{value!r} — не адрес сайта: нужен вид https://shop.example.ru "
            "(схема, домен и, если нужен, порт; без пути и «*»)"
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


class TelegramConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True  # still needs TELEGRAM_TOKEN
    per_chat_interval: float = Field(default=1.0, ge=0)  # seconds between messages to one chat
    global_rate: float = Field(default=30.0, ge=0)  # messages per second in total, 0 = no limit


class ViberConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True  # still needs VIBER_TOKEN
    bot_name: str = "Zabota"
    avatar: str | None = None


class ChannelsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webchat: WebChatConfig = Field(default_factory=WebChatConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    viber: ViberConfig = Field(default_factory=ViberConfig)
    # Processed webhook events are kept this long (redeliveries are recognised by them: Viber
    # re-sends for up to an hour), then deleted by the inbox's maintenance loop.
    inbox_keep_days: int = Field(default=7, ge=1)


class PrivacyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Texts of conversations closed longer ago than this are erased (bot.storage.erasure);
    # None keeps them. The rows, times and ratings stay for the manager's figures.
    history_keep_days: int | None = Field(default=None, ge=1)


class ProjectConfig(BaseModel):
    """The whole ``config.yml``."""

    model_config = ConfigDict(extra="forbid")

    language: str = "ru"
    company: str = "Zabota"
    knowledge_base: list[str] = Field(default_factory=lambda: ["data/faq"])
    nlu_data: list[str] = Field(default_factory=lambda: ["data/nlu.yml"])
    flows: list[str] = Field(default_factory=lambda: ["data/flows"])
    # Hot reload refuses a model whose accuracy on this set drops by more than the tolerance.
    regression_set: str | None = None
    regression_tolerance: float = Field(default=0.02, ge=0, le=1)
    nlu: dict[str, Any] = Field(default_factory=dict)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    handoff: HandoffConfig = Field(default_factory=HandoffConfig)
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)

    @field_validator("language")
    @classmethod
    def _russian_only(cls, value: str) -> str:
        if value != "ru":
            raise ValueError("пока поддерживается только язык 'ru'")
        return value


class ResponseButton(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    payload: str = ""
    url: str | None = None


class ResponseVariant(BaseModel):
    """One variant of a response in Rasa 3 domain format."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    channel: str | None = None
    buttons: list[ResponseButton] = Field(default_factory=list)
    image: str | None = None


class DomainFile(BaseModel):
    """``domain.yml`` (the parts of Rasa 3's domain format Zabota uses)."""

    model_config = ConfigDict(extra="allow")

    version: str = "3.1"
    intents: list[str | dict[str, Any]] = Field(default_factory=list)
    responses: dict[str, list[ResponseVariant]] = Field(default_factory=dict)


REQUIRED_RESPONSES = (
    "utter_greet",
    "utter_default",
    "utter_clarify",
    "utter_handoff",
    "utter_handoff_offline",
    "utter_handoff_queued_again",
    "utter_error",
    "utter_rate",
    "utter_rated",
    "utter_closed",
)


@dataclass(frozen=True, slots=True)
class Domain:
    """Responses by name, with per-channel variants."""

    responses: Mapping[str, tuple[ResponseVariant, ...]]
    intents: tuple[str, ...] = ()

    def render(self, name: str, channel: str | None = None, **values: object) -> Outbound:
        """The response ``name`` for ``channel`` with ``{placeholders}`` filled in.

        A channel-specific variant wins over a generic one; unknown placeholders are left as
        written rather than failing in front of a customer.
        """
        variants = self.responses.get(name)
        if not variants:
            raise KeyError(f"no response {name!r} in domain.yml")
        chosen = next((v for v in variants if v.channel == channel), None) or next(
            (v for v in variants if v.channel is None), variants[0]
        )
        text = _fill(chosen.text, values)
        buttons = tuple(Button(b.title, b.payload, b.url) for b in chosen.buttons)
        return Outbound(
            text=text, buttons=buttons, style=ButtonStyle.INLINE, image_url=chosen.image
        )


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_BRACES = "чтобы показать саму скобку, напишите её дважды: «{{» или «}}»"
_STRAY = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\{[^{}]*\}?")  # «{ № {order_number}»


def placeholders(template: str) -> list[str]:
    """The ``{placeholders}`` of a phrase or flow text as :func:`_fill` reads them; a
    :class:`ValueError` in Russian when the text is not one :func:`_fill` can fill — an
    unclosed «{» (``{wait_minutes``) would leave every placeholder of it raw in front of the
    customer."""
    names: list[str] = []
    try:
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            if not _NAME.match(name) or spec or conversion:
                raw = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                raise ValueError(
                    f"«{{{raw}}}» — не подстановка: в фигурных скобках пишется только имя "
                    f"латиницей, например {{wait_minutes}}; {_BRACES}"
                )
            names.append(name)
    except ValueError as exc:
        text = str(exc)
        if "Single '}'" in text:
            text = f"лишняя «}}» без парной «{{»; {_BRACES}"
        elif "unexpected '{' in field name" in text:  # «Статус { № {order_number}»
            found = _STRAY.search(template)
            fragment = (found.group(0) if found else template)[:40]
            text = (
                f"лишняя «{{» в «{fragment}»: подстановка пишется целиком, например "
                f"{{order_number}}; {_BRACES}"
            )
        elif "expected '}'" in text or "unmatched '{'" in text or "Single '{'" in text:
            fragment = template[template.rfind("{") :].split(maxsplit=1)[0][:30]
            text = (
                f"не закрыта фигурная скобка в «{fragment}»: подстановка пишется целиком, "
                f"например {{wait_minutes}}; {_BRACES}"
            )
        raise ValueError(text) from None
    return names


class _Keep(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: Mapping[str, object]) -> str:
    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError):
        return template


class SettingsError(ValueError):
    """An environment variable that cannot be right; the message names it and says why."""


def _address(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    """``name``'s value as an http(s) URL with a host and no trailing slash, or ``default``."""
    value = (env.get(name) or "").strip().rstrip("/")
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name}={value!r} is not an http(s):// address with a host")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Secrets and deployment settings, only ever from the environment."""

    database_url: str
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_secret: str | None = None
    viber_token: str | None = None
    viber_api_url: str = "https://chatapi.viber.com/pa"
    public_url: str | None = None
    secret_key: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, project_dir: Path, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default_db = f"sqlite+aiosqlite:///{(project_dir / 'var' / 'zabota.sqlite3').resolve()}"
        return cls(
            database_url=env.get("DATABASE_URL") or default_db,
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_api_url=_address(env, "TELEGRAM_API_URL", "https://api.telegram.org") or "",
            telegram_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            viber_token=env.get("VIBER_TOKEN") or None,
            viber_api_url=_address(env, "VIBER_API_URL", "https://chatapi.viber.com/pa") or "",
            public_url=_address(env, "ZABOTA_PUBLIC_URL", None),
            secret_key=env.get("ZABOTA_SECRET_KEY") or None,
        )


def load_config(path: Path) -> ProjectConfig:
    """Load ``config.yml``; a missing file means all defaults.

    An empty one (nothing, only comments, ``null`` or ``{}``) is refused: it is a save that
    went wrong far more often than a choice, and taken as «all defaults» it would silently
    drop the company's name, working hours, retention and the reload's regression gate."""
    if not path.exists():
        return ProjectConfig()
    doc = load_yaml(path)
    if doc.data is None or doc.data == {}:
        raise ContentError(
            [
                doc.problem(
                    (),
                    "config.yml пуст: в нём нет ни одного раздела (company, handoff, …). "
                    "Верните настройки; если нужны все значения по умолчанию, удалите файл",
                )
            ]
        )
    if not isinstance(doc.data, dict):
        raise ContentError(
            [doc.problem((), "config.yml должен быть словарём разделов (ключ: значение)")]
        )
    config = doc.validate(ProjectConfig)
    _validate_nlu_section(doc, config.nlu)
    return config


def _validate_nlu_section(doc: YamlDoc, section: dict[str, Any]) -> None:
    from nlu.config import NLUConfig

    doc.validate(NLUConfig, ("nlu",), data=section)


def load_domain(path: Path) -> Domain:
    """Load ``domain.yml`` and check the responses the runtime relies on exist."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise ContentError([doc.problem((), "domain.yml должен быть словарём (ключ: значение)")])
    parsed = doc.validate(DomainFile)
    missing = [name for name in REQUIRED_RESPONSES if name not in parsed.responses]
    if missing:
        raise ContentError(
            [doc.problem(("responses",), f"нет обязательного ответа {name}") for name in missing]
        )
    problems: list[Problem] = []
    for name, variants in parsed.responses.items():
        if not variants:
            problems.append(doc.problem(("responses", name), "нужен хотя бы один вариант текста"))
        for index, variant in enumerate(variants):
            try:
                placeholders(variant.text)
            except ValueError as exc:
                problems.append(doc.problem(("responses", name, index, "text"), f"{name}: {exc}"))
    if problems:
        raise ContentError(problems)
    intents = tuple(i if isinstance(i, str) else next(iter(i)) for i in parsed.intents)
    return Domain({k: tuple(v) for k, v in parsed.responses.items()}, intents)
