"""Invented place, district and school names for the demo system."""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import chain

REGIONS = (
    "Capital",
    "Northern Lakes",
    "River Valley",
    "High Plains",
    "Southern Pines",
    "Coastal Plain",
    "Eastern Hills",
    "Western Prairie",
    "Iron Range",
    "Delta",
    "Piedmont",
    "Red Mesa",
)
PLACE_STARTS = (
    "Alder",
    "Ash",
    "Bel",
    "Birch",
    "Black",
    "Bram",
    "Brook",
    "Cal",
    "Cedar",
    "Clay",
    "Clear",
    "Cole",
    "Dun",
    "Eden",
    "Elm",
    "Fair",
    "Fern",
    "Fox",
    "Glen",
    "Green",
    "Har",
    "Haw",
    "Hazel",
    "Hol",
    "Kings",
    "Lang",
    "Lark",
    "Lin",
    "Mar",
    "Maple",
    "Mid",
    "Mill",
    "Moss",
    "New",
    "Nor",
    "Oak",
    "Pem",
    "Pine",
    "Red",
    "Rich",
    "Rock",
    "Rose",
    "Rye",
    "Sal",
    "Sand",
    "Shel",
    "Silver",
    "Stan",
    "Stone",
    "Thorn",
    "Wal",
    "West",
    "Whit",
    "Wil",
    "Win",
)
PLACE_ENDS = (
    "bridge",
    "brook",
    "bury",
    "dale",
    "field",
    "ford",
    "gate",
    "ham",
    "haven",
    "hurst",
    "ley",
    "low",
    "mere",
    "mont",
    "port",
    "ridge",
    "stead",
    "ton",
    "ville",
    "wick",
    "wood",
    "worth",
)
URBAN_DISTRICT_KINDS = ("Public Schools", "City Schools", "County Public Schools")
RURAL_DISTRICT_KINDS = (
    "County Schools",
    "County Schools",
    "Unified",
    "Unified School District",
    "Community Schools",
    "Consolidated Schools",
    "Area School District",
    "Public Schools",
)
PEOPLE = (
    "Adams",
    "Alcott",
    "Angelou",
    "Audubon",
    "Banneker",
    "Bethune",
    "Bunche",
    "Carson",
    "Carver",
    "Chavez",
    "Clemente",
    "Curie",
    "Dewey",
    "Douglass",
    "Earhart",
    "Edison",
    "Emerson",
    "Franklin",
    "Grant",
    "Hale",
    "Hamilton",
    "Hughes",
    "Jefferson",
    "Keller",
    "Kennedy",
    "King",
    "Lewis and Clark",
    "Lincoln",
    "Longfellow",
    "Madison",
    "Mann",
    "Marshall",
    "Mead",
    "Monroe",
    "Morrison",
    "Muir",
    "Parks",
    "Penn",
    "Revere",
    "Ride",
    "Roosevelt",
    "Sequoyah",
    "Thoreau",
    "Truman",
    "Tubman",
    "Twain",
    "Walker",
    "Washington",
    "Whitman",
    "Wilson",
    "Wright",
)
LANDSCAPE = (
    "Aspen",
    "Bear Creek",
    "Birchwood",
    "Bluebird",
    "Brookside",
    "Canyon",
    "Cedar Ridge",
    "Central",
    "Cherry Hill",
    "Clearwater",
    "Cottonwood",
    "Crystal Springs",
    "Deer Creek",
    "Eagle Point",
    "Eastside",
    "Elmwood",
    "Fairview",
    "Fox Run",
    "Glenwood",
    "Greenfield",
    "Harbor View",
    "Hawthorne",
    "Heritage",
    "Highland",
    "Hillcrest",
    "Horizon",
    "Lakeside",
    "Lakeview",
    "Liberty",
    "Maple Park",
    "Meadowbrook",
    "Mill Creek",
    "Mountain View",
    "Northside",
    "Oak Grove",
    "Orchard",
    "Parkside",
    "Pine Hollow",
    "Pioneer",
    "Pleasant Valley",
    "Prairie View",
    "Quail Run",
    "Red Oak",
    "Riverside",
    "Rolling Hills",
    "Shady Grove",
    "Silver Lake",
    "Southside",
    "Spring Valley",
    "Stony Point",
    "Summit",
    "Sunnyside",
    "Timberline",
    "Valley View",
    "Westside",
    "Willow Creek",
    "Woodland",
)
COMPASS = ("North", "South", "East", "West")
LEVEL_SUFFIXES = {
    "elementary": ("Elementary",) * 8 + ("Primary", "Elementary School"),
    "middle": ("Middle",) * 8 + ("Middle School", "Junior High"),
    "high": ("High",) * 8 + ("High School", "Senior High"),
}


def region_names(rng: random.Random, count: int) -> list[str]:
    """ "Capital" first (it holds the biggest district), then the others in a random order."""
    others = list(REGIONS[1:])
    rng.shuffle(others)
    names = [REGIONS[0], *others]
    return [names[i] if i < len(names) else f"Region {i + 1}" for i in range(count)]


def place_names(rng: random.Random, count: int) -> list[str]:
    """Distinct invented town names such as "Ashford" or "Thornbury"."""
    places = [
        start + end
        for start in PLACE_STARTS
        for end in PLACE_ENDS
        if start[-1] != end[0] and start.lower() not in end and end not in start.lower()
    ]
    rng.shuffle(places)
    return [
        places[i % len(places)] + ("" if i < len(places) else f" {i // len(places) + 1}")
        for i in range(count)
    ]


def district_name(rng: random.Random, place: str, *, urban: bool) -> str:
    kinds = URBAN_DISTRICT_KINDS if urban else RURAL_DISTRICT_KINDS
    return f"{place} {rng.choice(kinds)}"


def school_names(rng: random.Random, place: str, levels: list[str]) -> list[str]:
    """One name per school, unique within the district; the town's own high school comes first."""
    used: set[str] = set()
    # Sorted: the order of a set of strings changes from one process to the next.
    stems = {level: _stems(rng, place, level) for level in sorted(set(levels))}
    return [_next_name(rng, stems[level], level, used) for level in levels]


def _stems(rng: random.Random, place: str, level: str) -> Iterator[str]:
    pool = [*PEOPLE, *LANDSCAPE]
    rng.shuffle(pool)
    towns = [place, *(f"{side} {place}" for side in COMPASS)] if level == "high" else []
    return chain(towns, pool, (f"{side} {stem}" for side in COMPASS for stem in pool))


def _next_name(rng: random.Random, stems: Iterator[str], level: str, used: set[str]) -> str:
    for stem in stems:
        name = f"{stem} {rng.choice(LEVEL_SUFFIXES[level])}"
        if name not in used:
            used.add(name)
            return name
    # Only a district with hundreds of schools at one level gets this far.
    name = f"{LEVEL_SUFFIXES[level][0]} School No. {len(used) + 1}"
    used.add(name)
    return name
