"""Quote marks: texts whose double quote marks are doubled apostrophes (an archive convention)."""

from __future__ import annotations

from streams.enrich.components.quotes.marks import find_marked_quotes


def test_single_quotes_nested_in_doubled_apostrophes_are_not_quotations() -> None:
    text = ("Obama Defends Strategy in Iraq.\n\n"  # the first line is read as a headline: leave it plain
            "''You know, when I said, 'No boots on the ground,' I think the American people understood,'' "
            "Mr. Obama said.\n")
    assert find_marked_quotes(text) == []


def test_doubled_apostrophes_read_as_marks_keep_nested_quotes_inside() -> None:
    text = "''When I said, 'No boots on the ground,' people understood,'' he said.\n"
    found = find_marked_quotes(text, double_apostrophes=True)
    assert [text[q.start : q.end] for q in found] == ["When I said, 'No boots on the ground,' people understood,"]


def test_single_quotes_are_quotations_in_a_text_without_double_marks() -> None:
    text = "Brexit talks stall.\n\nThe minister said the plan was 'dead in the water' and would not return.\n"
    assert [text[q.start : q.end] for q in find_marked_quotes(text)] == ["dead in the water"]


def test_an_apostrophe_pair_inside_a_word_is_no_double_mark() -> None:
    text = "Band to split.\n\nThe rock 'n' roll band said it would play 'one last show' in Memphis.\n"
    assert "one last show" in [text[q.start : q.end] for q in find_marked_quotes(text)]


def test_a_straight_mark_that_can_only_close_opens_no_quotation() -> None:
    # an inch mark, and a quote whose opening mark the text lost: neither may run a quotation over
    # the writer's words up to the next mark
    text = ("The candidate is 6'3\" tall and weighs 210 pounds, his doctor wrote.\n\n"
            "The host walked him through a review of [his] heart\" and lungs. The only \"medical records\" "
            "he released were a one-page letter.\n")
    assert [text[q.start : q.end] for q in find_marked_quotes(text)] == ["medical records"]


def test_a_line_closed_by_a_doubled_apostrophe_is_a_sentence_not_a_headline() -> None:
    # its single quotes are nested in the doubled apostrophes, as in any sentence of the text
    text = ("Guests Recall the Holidays.\n\n"
            "''Barbara Bush looked at me and said, 'You weren't in line,''' Ms. Compton recalled, ''and I said, "
            "'Mrs. Bush, that was our present to you.'.''\n")
    assert find_marked_quotes(text) == []
