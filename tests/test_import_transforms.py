"""The pure parts of the ActivityWatch import: the streaming reader, events → spans."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presence import config
from presence.importers import awspans
from presence.importers.awexport import BucketInfo, EventBatch, MalformedExport, read_export
from presence.importers.jsonstream import JsonStream, JsonStreamError

CFG = config.defaults()

# JSON values with the characters that trip a hand-written reader: braces, commas and quotes
# inside strings, escapes, nesting, numbers at chunk edges.
_text = st.text(alphabet=st.sampled_from('ab}{,[]":\\ \n\té€😀'), max_size=12)
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False,
                                                                         allow_infinity=False)
    | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20)


def walk(stream: JsonStream):
    """Rebuild a document through the pull reader (containers walked, items in runs)."""
    kind = stream.peek_kind()
    if kind == "object":
        stream.begin_object()
        out = {}
        while (key := stream.next_key()) is not None:
            out[key] = walk(stream)
        return out
    if kind == "array":
        stream.begin_array()
        items = []
        while run := stream.items():
            items.extend(run)
        return items
    return stream.value()


@settings(max_examples=200, deadline=None)
@given(doc=_values, chunk=st.integers(1, 64))
def test_the_reader_reads_any_document_in_any_chunks(doc, chunk):
    data = json.dumps(doc, ensure_ascii=False).encode()
    stream = JsonStream(io.BytesIO(data), chunk=chunk)
    assert walk(stream) == doc
    stream.end()


def test_a_value_over_the_bound_is_refused():
    data = json.dumps({"buckets": {"b": {"id": "x" * 5000}}}).encode()
    stream = JsonStream(io.BytesIO(data), chunk=256, max_value=1000)
    with pytest.raises(JsonStreamError, match="longer than 1,000 characters"):
        list(read_export(stream))


def export(*events, **meta) -> bytes:
    bucket = {"id": "w", "type": "currentwindow", "client": "aw-watcher-window",
              "hostname": "laptop", **meta, "events": list(events)}
    return json.dumps({"buckets": {"w": bucket}}).encode()


def event(stamp: str, duration, **data) -> dict:
    return {"timestamp": stamp, "duration": duration, "data": data}


def read(data: bytes, chunk: int = 1 << 20):
    return list(read_export(JsonStream(io.BytesIO(data), chunk=chunk)))


def test_events_come_in_file_order_and_the_bucket_after_them():
    data = export(event("2026-03-02T10:00:00+01:00", 30.5, app="Slack", title="general"),
                  event("2026-03-02T08:00:00Z", 0, app="code"),
                  event("2026-03-02T08:00:00Z", -1, app="code"),
                  event("2026-03-02T08:30:00.250000+00:00", 2, status="afk"))
    for chunk in (3, 17, 1 << 20):
        items = read(data, chunk)
        batches = [e for item in items if isinstance(item, EventBatch) for e in item.events]
        assert batches == [(1772442000.0, 1772442030.5, "Slack", "general"),
                           (1772440200.25, 1772440202.25, "afk", None)]
        assert items[-1] == BucketInfo(0, "w", "currentwindow", "aw-watcher-window", "laptop",
                                       True, 4, 1)


@pytest.mark.parametrize("bad, message", [
    (event("2026-03-02T10:00:00", 1), "event 1: timestamp '2026-03-02T10:00:00' has no UTC"),
    (event("yesterday", 1), "event 1: timestamp 'yesterday' is not ISO 8601"),
    (event("2026-03-02T10:00:00Z", "5"), "event 1: \"duration\" must be a number"),
    (event("2026-03-02T10:00:00Z", True), "event 1: \"duration\" must be a number"),
    ({"timestamp": "2026-03-02T10:00:00Z", "duration": 1, "data": []}, "\"data\" must be"),
    ([1, 2], "event 1: an event must be an object"),
])
def test_a_malformed_event_names_its_bucket_and_place(bad, message):
    with pytest.raises(MalformedExport, match=message.replace("(", r"\(")):
        read(export(bad))


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"[1, 2]", "not an ActivityWatch export"),
    (b'{"buckets": []}', "\"buckets\" must be an object"),
    (b'{"version": 1}', "no \"buckets\""),
])
def test_a_file_that_is_no_export_says_so(data, message):
    with pytest.raises(MalformedExport, match=message):
        read(data)


@pytest.mark.parametrize("cut", [1, 12, 40, 95, -2, -1])
def test_a_truncated_export_is_refused(cut):
    data = export(event("2026-03-02T10:00:00Z", 30, app="Slack", title="general"))
    with pytest.raises(JsonStreamError, match="ends early"):
        read(data[:cut], chunk=8)


def test_overlapping_events_are_counted_once():
    events = [(0, 100, "a", None), (10, 50, "b", None), (90, 130, "c", None),
              (130, 140, "d", None), (135, 135.5, "e", None)]
    assert list(awspans.clip_overlaps(events)) == [
        (0, 100, "a", None), (100, 130, "c", None), (130, 140, "d", None)]


def test_afk_periods_are_merged_and_only_afk_counts():
    events = [(0, 10, "not-afk", None), (10, 20, "afk", None), (20, 30, "afk", None),
              (25, 40, "not-afk", None), (50, 60, "afk", None)]
    assert list(awspans.afk_periods(events)) == [(10, 30), (50, 60)]


def test_afk_cuts_window_time_to_away_except_calls():
    spans = [(0, 100, "slack", "messaging", None), (100, 200, "zoom", "calls", None),
             (200, 300, "code", "other", "main.py")]
    cut = list(awspans.cut_afk(spans, [(50, 120), (150, 210), (250, 260)],
                               frozenset({"calls"})))
    assert cut == [(0, 50, "slack", "messaging", None), (50, 100, None, "away", None),
                   (100, 200, "zoom", "calls", None), (200, 210, None, "away", None),
                   (210, 250, "code", "other", "main.py"), (250, 260, None, "away", None),
                   (260, 300, "code", "other", "main.py")]


def test_touching_equal_spans_merge():
    spans = [(0, 10, "a", "other", None), (10, 20, "a", "other", None),
             (25, 30, "a", "other", None), (30, 40, "b", "other", None)]
    assert list(awspans.merge_touching(spans)) == [
        (0, 20, "a", "other", None), (25, 30, "a", "other", None), (30, 40, "b", "other", None)]


def test_only_uncovered_time_is_new():
    spans = [(0, 100, "a", "other", None), (100, 200, "b", "other", None),
             (300, 400, "c", "other", None)]
    covered = [(10, 20), (15, 30), (90, 150), (160, 170), (300, 400)]
    assert list(awspans.uncovered(spans, covered)) == [
        (0, 10, "a", "other", None), (30, 90, "a", "other", None), (150, 160, "b", "other", None),
        (170, 200, "b", "other", None)]
    assert list(awspans.uncovered(spans, [])) == spans


@pytest.mark.parametrize("app, package, category", [
    ("WhatsApp", "com.whatsapp", "messaging"),
    ("Signal", "org.thoughtcrime.securesms", "messaging"),
    ("Telegram", "org.telegram.messenger", "messaging"),
    ("Messenger", "com.facebook.orca", "messaging"),
    ("Discord", "com.discord", "messaging"),
    ("Slack", "com.Slack", "messaging"),
    ("Chat", "com.google.android.apps.dynamite", "messaging"),
    ("Teams", "com.microsoft.teams", "messaging"),
    ("Instagram", "com.instagram.android", "social"),
    ("Facebook", "com.facebook.katana", "social"),
    ("X", "com.twitter.android", "social"),
    ("Reddit", "com.reddit.frontpage", "social"),
    ("TikTok", "com.zhiliaoapp.musically", "social"),
    ("Snapchat", "com.snapchat.android", "social"),
    ("Zoom", "us.zoom.videomeetings", "calls"),
    ("Meet", "com.google.android.apps.meetings", "calls"),
    ("Chrome", "com.android.chrome", "other"),
    ("Threema", "ch.threema.app", "messaging"),
    # an app name the rules know still counts where the package is unknown
    ("Element", "io.element.fork", "messaging"),
])
def test_phone_apps_are_classified_by_package(app, package, category):
    [span] = awspans.classify_phone(CFG, [(0, 60, app, package)])
    assert span == (0, 60, app.lower(), category, None)


def test_package_rules_never_match_desktop_samples():
    [span] = awspans.classify_window(CFG, [(0, 60, "com.whatsapp", None)])
    assert span[3] == "other"
