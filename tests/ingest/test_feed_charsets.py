"""Feeds in every encoding feedparser reads, mislabelled charsets, headline-only items, xml:lang."""

from __future__ import annotations

import pytest

from streams.core.errors import DecodeError
from streams.ingest.sources.feed_xml import FeedRejected, entry_language, parse_feed, to_utf8
from streams.ingest.sources.feeds import entry_to_article

MIB = 1 << 20

KOREAN_TITLE = "서울 뉴스: 대통령 연설"
KOREAN_TEXT = "대통령이 오늘 서울에서 연설했다. 그는 경제 회복을 약속했다."
CHINESE_TEXT = "总统今天在北京发表讲话，承诺经济复苏。"
JAPANESE_TEXT = "首相は本日東京で演説し、経済の回復を約束した。"


def rss(title: str, text: str | None, encoding: str, *, lang: str | None = None, channel_lang: str | None = None,
        declare: str | None = None) -> bytes:
    """An RSS 2.0 document in ``encoding`` whose XML declaration names ``declare`` (default: the encoding)."""
    description = "" if text is None else f"<description{f' xml:lang={lang!r}' if lang else ''}>{text}</description>"
    language = f"<language>{channel_lang}</language>" if channel_lang else ""
    doc = (f'<?xml version="1.0" encoding="{declare or encoding}"?>\n<rss version="2.0"><channel><title>wire</title>'
           f"{language}<item><title>{title}</title><link>http://127.0.0.1/a/1</link><guid>g-1</guid>{description}"
           "</item></channel></rss>")
    return doc.encode(encoding)


@pytest.mark.parametrize(("encoding", "text"), [
    ("euc-kr", KOREAN_TEXT), ("big5", "總統今天在台北發表講話，承諾經濟復甦。"), ("gb2312", CHINESE_TEXT),
    ("gbk", CHINESE_TEXT), ("gb18030", CHINESE_TEXT), ("shift_jis", JAPANESE_TEXT), ("euc-jp", JAPANESE_TEXT),
    ("iso-2022-jp", JAPANESE_TEXT), ("utf-16", KOREAN_TEXT), ("windows-1251", "Президент выступил сегодня."),
])
def test_multi_byte_and_legacy_encodings_are_read(encoding: str, text: str) -> None:
    parsed = parse_feed(rss("headline", text, encoding))
    [entry] = parsed.entries
    assert entry.summary == text
    assert parsed["charset_note"] is None


def test_safety_check_still_refuses_entities_in_a_multi_byte_feed() -> None:
    bomb = ('<?xml version="1.0" encoding="euc-kr"?><!DOCTYPE r [<!ENTITY a "한국한국">]>'
            '<rss version="2.0"><channel><item><title>&a;</title></item></channel></rss>').encode("euc-kr")
    with pytest.raises(FeedRejected):
        parse_feed(bomb)
    utf16_bomb = ('<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r [<!ENTITY a "x">]>'
                  '<rss version="2.0"><channel><item><title>&a;</title></item></channel></rss>').encode("utf-16")
    with pytest.raises(FeedRejected):
        parse_feed(utf16_bomb)


def test_utf8_bytes_declared_latin1_are_read_as_utf8_and_noted() -> None:
    raw = rss("It’s here", "C’est là déjà — “quoted”", "utf-8", declare="iso-8859-1")
    parsed = parse_feed(raw)
    assert parsed.entries[0].summary == "C’est là déjà — “quoted”"  # not Câ€™est lÃ  dÃ©jÃ
    assert "declares iso-8859-1 but its bytes are UTF-8" in parsed["charset_note"]
    article = entry_to_article(parsed.entries[0], feed_url="http://127.0.0.1/rss", feed_title="wire", max_bytes=MIB,
                               feed=parsed.feed, charset_note=parsed["charset_note"])
    assert "â€" not in article.body_text
    assert article.altids["charset_note"].startswith("declares iso-8859-1")


def test_http_charset_wins_over_the_xml_declaration() -> None:
    raw = rss("titre", "Été à Paris", "iso-8859-1", declare="utf-8")
    assert parse_feed(raw, content_type="application/rss+xml; charset=ISO-8859-1").entries[0].summary == "Été à Paris"


def test_latin1_bytes_declared_utf8_are_guessed_and_noted() -> None:
    raw = rss("titre", "L'été à Paris, déjà très chaud, selon les météorologues français.", "cp1252",
              declare="utf-8")
    parsed = parse_feed(raw)
    assert parsed.entries[0].summary == "L'été à Paris, déjà très chaud, selon les météorologues français."
    assert "a guess" in parsed["charset_note"]


def test_unknown_charset_label_on_utf8_bytes_is_noted() -> None:
    utf8 = to_utf8(rss("t", "plain text", "utf-8", declare="x-no-such-charset"))
    assert utf8.encoding == "utf-8"
    assert "unknown charset 'x-no-such-charset'" in (utf8.note or "")


def test_a_bom_that_lies_is_undecodable() -> None:
    with pytest.raises(DecodeError) as exc:
        to_utf8(b"\xef\xbb\xbf" + "é".encode("latin-1") + b"<rss/>")
    assert exc.value.reason == "undecodable"


def test_headline_only_item_becomes_an_article_marked_as_such() -> None:
    parsed = parse_feed(rss("Breaking: parliament dissolved", None, "utf-8"))
    article = entry_to_article(parsed.entries[0], feed_url="http://127.0.0.1/rss", feed_title="wire",
                               max_bytes=MIB, feed=parsed.feed)
    assert article.body_text == "Breaking: parliament dissolved"
    assert article.headline == "Breaking: parliament dissolved"
    assert article.profile == "headline-only"
    full = parse_feed(rss("Title", "A body of text.", "utf-8"))
    assert entry_to_article(full.entries[0], feed_url="u", feed_title=None, max_bytes=MIB).profile is None


def test_item_with_neither_title_nor_text_is_still_refused() -> None:
    doc = b'<rss version="2.0"><channel><title>w</title><item><guid>g</guid></item></channel></rss>'
    parsed = parse_feed(doc)
    with pytest.raises(Exception) as exc:
        entry_to_article(parsed.entries[0], feed_url="u", feed_title=None, max_bytes=MIB)
    assert getattr(exc.value, "reason", None) == "empty_body"


def test_language_comes_from_xml_lang_then_the_channel() -> None:
    parsed = parse_feed(rss("t", "Le texte.", "utf-8", lang="fr", channel_lang="en-gb"))
    assert entry_language(parsed.entries[0], parsed.feed) == "fr"
    parsed = parse_feed(rss("t", "The text.", "utf-8", channel_lang="en-gb"))
    assert entry_language(parsed.entries[0], parsed.feed) == "en-gb"
    article = entry_to_article(parsed.entries[0], feed_url="u", feed_title=None, max_bytes=MIB, feed=parsed.feed)
    assert article.language == "en-gb"
