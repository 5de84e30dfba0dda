"""What reading and classifying a calendar needs from the configuration (pure).

`CalendarSettings` is built once per sync (or per `calendar events`) from the `[calendar]`
table, and turned into the classifier's `Rules`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from presence.calendar.classify import Rules, phrase
from presence.people.names import normalise

if TYPE_CHECKING:
    from presence.config import Config


@dataclass(frozen=True)
class CalendarSettings:
    """What loading and classification need from the configuration.

    Attributes:
        tz: the zone of floating times and of all-day dates.
        owners: the user's addresses (lowercase); X-WR-CALNAME adds one when it is an address.
        hybrid: the kind of an event with a room and a call link: `in_person` or `virtual`.
        in_person_tags / virtual_tags: CATEGORIES words that decide the kind.
        solo_titles: title words of solo blocks that are not meetings.
        conference_domains: extra hosts whose links mean a video call.
        social_words: title words of personal plans with people ("dinner").
        owner_names: the user's own names as titles write them.
    """

    tz: tzinfo
    owners: frozenset[str]
    hybrid: str
    in_person_tags: tuple[str, ...]
    virtual_tags: tuple[str, ...]
    solo_titles: tuple[str, ...]
    conference_domains: tuple[str, ...]
    social_words: tuple[str, ...] = ()
    owner_names: tuple[str, ...] = ()

    @classmethod
    def shipped(cls, tz: tzinfo, **changes: Any) -> CalendarSettings:
        """The shipped config's settings in zone `tz`, with `changes` (tests, benchmarks)."""
        from presence import config

        return dataclasses.replace(cls.from_config(config.defaults(), tz=tz), **changes)

    @classmethod
    def from_config(cls, cfg: Config, owners: Iterable[str] = (),
                    tz: tzinfo | None = None) -> CalendarSettings:
        """Settings from the `[calendar]` table of a loaded config.

        Args:
            cfg: the effective configuration.
            owners: addresses to add to `calendar.owner_emails` (the CLI's `--owner`).
            tz: a zone that replaces the configured one (the CLI's `--tz`).
        """
        return cls(
            tz=tz or cfg.tz,
            owners=frozenset(o.strip().lower() for o in (*cfg.get("calendar.owner_emails"),
                                                          *owners) if o.strip()),
            hybrid=cfg.get("calendar.hybrid"),
            in_person_tags=tuple(cfg.get("calendar.in_person_tags")),
            virtual_tags=tuple(cfg.get("calendar.virtual_tags")),
            solo_titles=tuple(cfg.get("calendar.solo_titles")),
            conference_domains=tuple(d.strip().lower().lstrip(".")
                                     for d in cfg.get("calendar.conference_domains")),
            social_words=tuple(cfg.get("calendar.social_words")),
            owner_names=tuple(cfg.get("calendar.owner_names")),
        )

    def rules(self, extra_owner: str | None = None) -> Rules:
        """The classification rules, with one more owner address if given."""
        owners = self.owners | {extra_owner} if extra_owner else self.owners
        return Rules(owners=owners, hybrid=self.hybrid,
                     in_person_tags=tuple(phrase(w) for w in self.in_person_tags),
                     virtual_tags=tuple(phrase(w) for w in self.virtual_tags),
                     solo_titles=tuple(phrase(w) for w in self.solo_titles),
                     conference_domains=self.conference_domains,
                     social_words=tuple(phrase(w) for w in self.social_words),
                     own_names=frozenset(normalise(n) for n in self.owner_names if n.strip()))
