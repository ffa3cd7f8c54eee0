"""Local posts ("What's new", offers, events) of the location, v4 ``accounts/{a}/locations/{l}/localPosts``
(no discovery document; the documented LocalPost [C],
developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts)::

    {"languageCode": "fi", "summary": "...", "topicType": "STANDARD" | "EVENT" | "OFFER",
     "callToAction": {"actionType": "LEARN_MORE", "url": "https://..."},      # CALL has no url
     "media": [{"mediaFormat": "PHOTO", "sourceUrl": "https://..."}],
     "event": {"title": "...", "schedule": {"startDate": Date, "startTime": TimeOfDay,
                                            "endDate": Date, "endTime": TimeOfDay}},   # EVENT and OFFER
     "offer": {"couponCode": "...", "redeemOnlineUrl": "https://...", "termsConditions": "..."}}

The answer is the LocalPost with its ``name`` and ``searchUrl``. The API takes no idempotency key, so a
claim whose answer was lost is reconciled by listing the location's posts and matching the summary.

A post says what kind of local post it is in its ``local:`` block (checked by :func:`local_problems`)::

    local:
      topic: offer                          # standard (the default; "What's new") | offer | event
      button: {action: order, url: https://kahvila.example/tilaa}   # book|order|shop|learn_more|sign_up|call
      event: {title: Joulumyyjäiset, starts_at: 2026-12-12 10:00, ends_at: 2026-12-12 16:00}
      offer: {coupon: JOULU10, terms: "Voimassa joulukuun ajan", redeem_url: https://kahvila.example/joulu}

A ``live`` post becomes an EVENT at its ``live.starts_at`` for ``live.duration_minutes``; a post's ``link`` is
the button (Learn more) unless ``local.button`` names another.

This module is imported by ``validate``: no httpx here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from socialops.networks.google_business.spec import (
    BUTTONS,
    EVENT_TITLE_LIMIT,
    OFFER_COUPON_LIMIT,
    OFFER_TERMS_LIMIT,
    TOPICS,
)

LOCAL_KEYS = ("topic", "button", "event", "offer")
EVENT_KEYS = ("title", "starts_at", "ends_at")
OFFER_KEYS = ("coupon", "terms", "redeem_url")


def _when(value: Any, tz: dt.tzinfo | None) -> dt.datetime | None:
    """A time of the post (YAML datetime or 'YYYY-MM-DD HH:MM') as the location's civil time."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            return None
    if moment.tzinfo is not None and tz is not None:
        moment = moment.astimezone(tz)
    return moment.replace(tzinfo=None)


def topic_of(local: Mapping[str, Any], post_type: str) -> str:
    topic = str(local.get("topic") or "").lower()
    return topic if topic in TOPICS else "event" if post_type == "live" else "standard"


def local_problems(local: Any, *, post_type: str, link: str | None) -> list[tuple[tuple[Any, ...], str]]:
    """What is wrong with a post's ``local:`` block: (key path under the post, message) pairs."""
    if local is None:
        local = {}
    if not isinstance(local, Mapping):
        return [(("local",), "'local' takes topic, button, event and offer (see the README, Google Business "
                             "Profile)")]
    out: list[tuple[tuple[Any, ...], str]] = []
    for key in local:
        if key not in LOCAL_KEYS:
            out.append((("local", key), f"'{key}' is not a key of 'local' (use {', '.join(LOCAL_KEYS)})"))
    topic = str(local.get("topic") or "standard").lower()
    if topic not in TOPICS:
        out.append((("local", "topic"), f"'local.topic' is one of {', '.join(TOPICS)} (standard is \"What's new\")"))
    out += _button_problems(local.get("button"), topic)
    if topic in ("event", "offer") and post_type != "live":
        event = local.get("event")
        if not isinstance(event, Mapping) or not event.get("title") or not event.get("starts_at"):
            out.append((("local", "event"), f"an {topic} needs 'event: {{title: ..., starts_at: YYYY-MM-DD HH:MM, "
                                            "ends_at: YYYY-MM-DD HH:MM}}' (its name and when it is on)"))
        else:
            out += _event_problems(event)
    if topic == "offer":
        offer = local.get("offer") or {}
        if not isinstance(offer, Mapping):
            out.append((("local", "offer"), "'local.offer' takes coupon, terms and redeem_url"))
        else:
            out += [(("local", "offer", k), f"'{k}' is not a key of 'local.offer' (use {', '.join(OFFER_KEYS)})")
                    for k in offer if k not in OFFER_KEYS]
            if len(str(offer.get("coupon") or "")) > OFFER_COUPON_LIMIT:
                out.append((("local", "offer", "coupon"), f"the coupon code is longer than {OFFER_COUPON_LIMIT}"))
            if len(str(offer.get("terms") or "")) > OFFER_TERMS_LIMIT:
                out.append((("local", "offer", "terms"), f"the terms are longer than {OFFER_TERMS_LIMIT} characters"))
            url = offer.get("redeem_url")
            if url is not None and not str(url).startswith("https://"):
                out.append((("local", "offer", "redeem_url"), "'redeem_url' must start with https://"))
    return out


def _button_problems(button: Any, topic: str) -> list[tuple[tuple[Any, ...], str]]:
    if button is None:
        return []
    if topic == "offer":
        return [(("local", "button"), "an offer has no button of its own on Google: put the address in "
                                      "'local.offer.redeem_url'")]
    if not isinstance(button, Mapping) or str(button.get("action", "")).lower() not in BUTTONS:
        return [(("local", "button"), f"'local.button' is {{action: ..., url: https://...}} with action one of "
                                      f"{', '.join(BUTTONS)}")]
    action, url = str(button["action"]).lower(), button.get("url")
    if action == "call" and url:
        return [(("local", "button", "url"), "a call button calls the profile's phone number: leave out 'url'")]
    if action != "call" and not str(url or "").startswith("https://"):
        return [(("local", "button", "url"), "the button needs 'url: https://...'")]
    return []


def _event_problems(event: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    out = [(("local", "event", k), f"'{k}' is not a key of 'local.event' (use {', '.join(EVENT_KEYS)})")
           for k in event if k not in EVENT_KEYS]
    if len(str(event.get("title"))) > EVENT_TITLE_LIMIT:
        out.append((("local", "event", "title"), f"the event title is longer than Google's {EVENT_TITLE_LIMIT} "
                                                 "characters"))
    start, end = _when(event.get("starts_at"), None), _when(event.get("ends_at") or event.get("starts_at"), None)
    if start is None:
        out.append((("local", "event", "starts_at"), "'starts_at' is a time like 2026-12-12 10:00"))
    elif end is None or end < start:
        out.append((("local", "event", "ends_at"), "'ends_at' is a time like 2026-12-12 16:00, not before the start"))
    return out


def _date(moment: dt.datetime) -> dict[str, int]:
    return {"year": moment.year, "month": moment.month, "day": moment.day}


def _time(moment: dt.datetime) -> dict[str, int]:
    return {"hours": moment.hour, "minutes": moment.minute}


def local_post_body(*, text: str, post_type: str, local: Mapping[str, Any], link: str | None,
                    live: Mapping[str, Any], photo_url: str | None, language: str | None,
                    tz: dt.tzinfo | None, title: str) -> dict[str, Any]:
    """The LocalPost to create for one post (already checked by :func:`local_problems`)."""
    topic = topic_of(local, post_type)
    body: dict[str, Any] = {"summary": text, "topicType": topic.upper()}
    if language:
        body["languageCode"] = language
    if photo_url:
        body["media"] = [{"mediaFormat": "PHOTO", "sourceUrl": photo_url}]
    button = local.get("button") if isinstance(local.get("button"), Mapping) else None
    if topic != "offer":
        if button:
            action = {"actionType": str(button["action"]).upper()}
            if button.get("url"):
                action["url"] = str(button["url"])
            body["callToAction"] = action
        elif link:
            body["callToAction"] = {"actionType": "LEARN_MORE", "url": link}
    if topic in ("event", "offer"):
        event = local.get("event") if isinstance(local.get("event"), Mapping) else {}
        if event.get("starts_at"):
            start = _when(event["starts_at"], tz)
            end = _when(event.get("ends_at") or event["starts_at"], tz)
        else:  # a live post: its start and duration
            start = _when(live.get("starts_at"), tz)
            minutes = live.get("duration_minutes") if isinstance(live.get("duration_minutes"), int) else 60
            end = start + dt.timedelta(minutes=minutes) if start else None
        if start is not None and end is not None:
            body["event"] = {"title": str(event.get("title") or title)[:EVENT_TITLE_LIMIT],
                             "schedule": {"startDate": _date(start), "startTime": _time(start),
                                          "endDate": _date(end), "endTime": _time(end)}}
    if topic == "offer":
        offer = local.get("offer") if isinstance(local.get("offer"), Mapping) else {}
        body["offer"] = {k: str(offer[src]) for k, src in (("couponCode", "coupon"), ("redeemOnlineUrl", "redeem_url"),
                                                           ("termsConditions", "terms")) if offer.get(src)}
    return body
