"""The delivery chain's diagram: SVG text any page or PDF can embed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from deliverology.reports.chain_diagram import DiagramLink, chain_diagram_svg

SVG = "{http://www.w3.org/2000/svg}"


def _links() -> list[DiagramLink]:
    return [
        DiagramLink(1, "State office", "Department", "Director", "Green", "#1a7f37"),
        DiagramLink(2, "Regions & <co>", "Region", "Superintendents", "Red", "#a4161a"),
        DiagramLink(3, "Teachers", "Teacher", "", "Not rated yet", None),
    ]


def _draw(weakest: int | None = 2) -> ET.Element:
    svg = chain_diagram_svg(
        _links(),
        title="Delivery chain: Literacy",
        description="3 links.",
        weakest_position=weakest,
        weakest_label="Weakest link",
    )
    return ET.fromstring(svg)  # noqa: S314 - trusted input, produced by the code under test


def test_it_is_an_image_with_a_title_and_a_description() -> None:
    root = _draw()
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Delivery chain: Literacy"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "3 links."  # type: ignore[union-attr]


def test_each_link_is_a_box_coloured_by_its_rating_and_saying_it_in_words() -> None:
    groups = _draw().findall(f"{SVG}g")
    assert [g.get("data-position") for g in groups] == ["1", "2", "3"]
    fills = [g.find(f"{SVG}rect").get("fill") for g in groups]  # type: ignore[union-attr]
    assert fills == ["#1a7f37", "#a4161a", "#ffffff"]
    words = [[t.text for t in g.findall(f"{SVG}text")] for g in groups]
    assert words[0] == ["1. State office", "Department · Director", "Green"]
    assert words[1][0] == "2. Regions & <co>"  # escaped in the SVG, read back as typed
    assert words[2][-1] == "Not rated yet"


def test_the_weakest_link_alone_is_marked_and_arrows_join_the_links() -> None:
    root = _draw()
    marked = [g for g in root.findall(f"{SVG}g") if g.get("data-weakest") == "true"]
    assert [g.get("data-position") for g in marked] == ["2"]
    assert "Weakest link" in [t.text for t in marked[0].findall(f"{SVG}text")]
    assert marked[0].find(f"{SVG}rect").get("stroke-dasharray")  # type: ignore[union-attr]
    assert len(root.findall(f"{SVG}line")) == 2
    unmarked = _draw(weakest=None)
    assert not [g for g in unmarked.findall(f"{SVG}g") if g.get("data-weakest")]


def test_long_words_are_shortened_in_the_box_and_kept_whole_in_its_title() -> None:
    long = "A very long name for the regional school improvement directorate and its teams"
    svg = chain_diagram_svg(
        [DiagramLink(1, long, "Region", "", "Green", "#1a7f37")],
        title="t",
        description="d",
        weakest_position=1,
        weakest_label="Weakest link",
    )
    group = ET.fromstring(svg).find(f"{SVG}g")  # noqa: S314 - produced by the code under test
    assert group is not None
    assert group.find(f"{SVG}text").text.endswith("…")  # type: ignore[union-attr]
    assert long in group.find(f"{SVG}title").text  # type: ignore[operator,union-attr]
