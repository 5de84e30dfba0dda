"""Rules → a category for a sample, and which rule decided (pure).

Rules come from the config: the user's first, then the shipped ones; the first rule whose
patterns all match wins. `browser_title` patterns only apply when the app is a web browser, so
a document called "Discord notes" in a word processor is not chat. `package` patterns match the
Android package name of phone time imported from ActivityWatch (`com.whatsapp`); a rule with
one never matches a desktop sample, which has no package.
"""

from __future__ import annotations

import re
from presence.frozen import frozen
from functools import lru_cache

from presence.config import Config, Rule
from presence.model import AWAY, OTHER, Classified, Sample

NOTHING_IN_FRONT = "nothing in front"
NO_RULE = "no rule matched"

# Web chat, call and social sites in a browser's tab: (how the tab names it, the name people
# know it by). The first one found in what the deciding rule matched (else in the whole title)
# names the tab, for spans, imports and nudges alike; `web_site` keys a span by the name in
# lower case (`whatsapp in firefox`). Words are found whole ("x" is X, "xkcd" is not).
WEB_APPS = (
    ("whatsapp", "WhatsApp"), ("slack", "Slack"), ("discord", "Discord"),
    ("telegram", "Telegram"), ("messenger", "Messenger"), ("google chat", "Google Chat"),
    ("chat - google", "Google Chat"), ("chat.google.com", "Google Chat"),
    ("microsoft teams", "Teams"), ("teams.microsoft.com", "Teams"), ("signal", "Signal"),
    ("element", "Element"), ("google meet", "Google Meet"), ("meet.jit.si", "Jitsi Meet"),
    ("jitsi", "Jitsi Meet"), ("meet - ", "Google Meet"), ("zoom", "Zoom"),
    ("whereby", "Whereby"), ("webex", "Webex"), ("facetime", "FaceTime"),
    ("instagram", "Instagram"), ("facebook", "Facebook"), ("reddit", "Reddit"),
    ("r/", "Reddit"), ("linkedin", "LinkedIn"), ("tiktok", "TikTok"), ("bluesky", "Bluesky"),
    ("bsky", "Bluesky"), ("mastodon", "Mastodon"), ("threads", "Threads"),
    ("twitter", "X"), ("x", "X"),
)
# Every key a span may carry, old spellings included (`twitter in firefox` from before).
WEB_NAMES = {**dict(WEB_APPS), **{name.lower(): name for _, name in WEB_APPS}}


@lru_cache(maxsize=1)
def _web_words() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    # compiled on first use: the read commands import this module and never name a tab
    return tuple(
        (re.compile(("(?<!\\w)" if word[0].isalnum() else "") + re.escape(word)
                    + ("(?!\\w)" if word[-1].isalnum() else "")), name.lower(), word)
        for word, name in WEB_APPS)


def web_site(text: str, *, short: bool = True) -> str | None:
    """The key (`whatsapp`, `google meet`, `x`) of the first web app that `text` names.

    Args:
        text: what a rule matched, or a whole window title.
        short: whether the one- and two-letter names count ("x", "r/"): in what a rule
            matched they mean the site, in a whole title too often something else.
    """
    lowered = text.lower()
    for pattern, key, word in _web_words():
        if (short or len(word) > 2) and pattern.search(lowered):
            return key
    return None


@frozen
class Verdict:
    """A category, the rule that decided it, and the web app it found in a browser tab
    (`whatsapp in firefox`, when a `browser_title` rule decided)."""

    category: str
    rule: str
    web_app: str | None = None

    def counted_as(self, app: str | None) -> str | None:
        """The name the time counts under everywhere (spans, summaries, imports): the web
        app the rule found in a browser tab, else the app itself."""
        return self.web_app or app


def _matches(rule: Rule, app: str, title: str, exe: str, is_browser: bool,
             package: str) -> bool:
    if rule.package is not None and not (package and rule.package.search(package)):
        return False
    if rule.app is not None and not rule.app.search(app):
        return False
    if rule.exe is not None and not rule.exe.search(exe):
        return False
    if rule.title is not None and not rule.title.search(title):
        return False
    if rule.browser_title is not None and not (is_browser and rule.browser_title.search(title)):
        return False
    return True


def _web_app(rule: Rule, browser: str, title: str) -> str:
    """The name a browser's time counts under when `rule` (a `browser_title` rule) decided:
    the web app that the rule's match names, else the one the title names, else the rule's
    own words (a user's rule for a site presence does not know)."""
    found = rule.browser_title.search(title) if rule.browser_title is not None else None
    matched = found.group(0) if found is not None else ""  # type: ignore[attr-defined]
    site = web_site(matched) or web_site(title, short=False)
    if site is None:
        site = " ".join(re.findall(r"[\w.]+", matched.lower())) or rule.name.lower() or "web"
    return f"{site} in {browser}"


def describe(rule: Rule) -> str:
    """How `rules test` names a rule: its name and whether it is the user's or shipped."""
    return f"{rule.name} ({rule.origin})"


def explain(config: Config, app: str | None, title: str | None = None,
            exe: str | None = None, package: str | None = None) -> Verdict:
    """The category of an app/title/exe triple and the rule that decided it.

    Args:
        config: the effective configuration (its rules and browser pattern).
        app: the normalised app name; None when nothing is in front.
        title: the window title, if known.
        exe: the executable path, if known.
        package: the Android package name, for phone time imported from ActivityWatch.
    """
    return _cached_explainer(config)(app, title, exe, package)


@lru_cache(maxsize=4)
def _cached_explainer(config: Config):
    # The same few app/title pairs recur all day; caching keeps a sample well under 0.5 ms.
    @lru_cache(maxsize=512)
    def run(app: str | None, title: str | None, exe: str | None,
            package: str | None) -> Verdict:
        if app is None and not title and not package:
            return Verdict(OTHER, NOTHING_IN_FRONT)
        app_s, title_s, exe_s, package_s = app or "", title or "", exe or "", package or ""
        is_browser = bool(app_s) and config.browsers.search(app_s) is not None
        for rule in config.rules:
            if _matches(rule, app_s, title_s, exe_s, is_browser, package_s):
                web = _web_app(rule, app_s, title_s) if rule.browser_title is not None else None
                return Verdict(rule.category, describe(rule), web)
        return Verdict(OTHER, NO_RULE)

    return run


def judge(config: Config, sample: Sample) -> Verdict:
    """The verdict on a sample: its rule's, or `away` after long idleness.

    Idle longer than `[daemon] idle_seconds` counts as away, except for categories in
    `[categories] always_active` (on a call you talk, you do not type). The daemon's loop
    keeps the verdict and builds a `Classified` only when someone asks for one.
    """
    verdict = _cached_explainer(config)(sample.app, sample.title, sample.exe, None)
    idle = sample.idle
    if idle is not None:
        idle_limit = config.get("daemon.idle_seconds")
        if idle > idle_limit and verdict.category not in config.always_active:
            return Verdict(AWAY, f"idle for {int(idle)} s (over {idle_limit} s)")
    return verdict


def prepare(config: Config) -> None:
    """Compile every pattern that judging a sample may search (the rules, the browsers, the
    excluded titles, the web apps of a tab), which the read commands leave uncompiled: the
    daemon calls it when it starts and at each reload, so that no sample in the middle of
    sampling pays tens of milliseconds for a regular expression met for the first time."""
    patterns = [config.browsers, *config.exclude_titles]
    for rule in config.rules:
        patterns += (p for p in (rule.app, rule.exe, rule.title, rule.browser_title,
                                 rule.package) if p is not None)
    for pattern in patterns:
        pattern.search("")
    _web_words()


def classify(config: Config, sample: Sample) -> Classified:
    """Classify a sample, turning long idleness into `away` (see `judge`)."""
    verdict = judge(config, sample)
    return Classified(sample, verdict.category, verdict.rule, verdict.web_app)


def stored_title(config: Config, title: str | None, category: str) -> str | None:
    """The title to store with a span: only when the user opted in (`[privacy] store_titles`),
    never for `away`, and never one matching `[privacy] exclude_titles`."""
    if title is None or category == AWAY or not config.get("privacy.store_titles"):
        return None
    if any(p.search(title) for p in config.exclude_titles):
        return None
    return title
