"""Invented place and school names for the demo system."""

from __future__ import annotations

import random

REGIONS = (
    "Capital",
    "Northern Lakes",
    "River Valley",
    "High Plains",
    "Southern Pines",
    "Coastal",
    "Eastern Hills",
    "Western Prairie",
    "Iron Range",
    "Delta",
    "Piedmont",
    "Mesa",
)
PLACE_STARTS = (
    "Ash",
    "Bay",
    "Bell",
    "Birch",
    "Black",
    "Brook",
    "Cedar",
    "Clear",
    "Cold",
    "Crane",
    "Deer",
    "East",
    "Elm",
    "Fair",
    "Fox",
    "Glen",
    "Green",
    "Hart",
    "Hazel",
    "High",
    "Holly",
    "Iron",
    "Kings",
    "Lake",
    "Lin",
    "Maple",
    "Mill",
    "North",
    "Oak",
    "Pine",
    "Red",
    "Rich",
    "Rock",
    "Rose",
    "Salt",
    "Silver",
    "South",
    "Spring",
    "Stone",
    "Sun",
    "West",
    "White",
    "Wil",
    "Wolf",
)
PLACE_ENDS = (
    "brook",
    "bury",
    "dale",
    "field",
    "ford",
    "gate",
    "haven",
    "hill",
    "land",
    "ley",
    "low",
    "mont",
    "moor",
    "mouth",
    "port",
    "ridge",
    "stead",
    "ton",
    "vale",
    "view",
    "wood",
    "worth",
)
DISTRICT_KINDS = (
    "County Schools",
    "Unified School District",
    "Public Schools",
    "City Schools",
    "Consolidated Schools",
    "Area Schools",
)
SCHOOL_STEMS = (
    "Lincoln",
    "Washington",
    "Jefferson",
    "Roosevelt",
    "Franklin",
    "Madison",
    "Hamilton",
    "Kennedy",
    "King",
    "Parks",
    "Chavez",
    "Douglass",
    "Tubman",
    "Carver",
    "Keller",
    "Earhart",
    "Curie",
    "Sequoyah",
    "Whitman",
    "Thoreau",
    "Riverside",
    "Lakeview",
    "Hillcrest",
    "Sunnyside",
    "Meadowbrook",
    "Oak Grove",
    "Cedar Ridge",
    "Pine Hollow",
    "Maple Park",
    "Willow Creek",
    "Eagle Point",
    "Prairie View",
    "Heritage",
    "Liberty",
    "Discovery",
    "Horizon",
    "Summit",
    "Valley View",
    "Westside",
    "Eastside",
    "Northside",
    "Southside",
    "Central",
    "Highland",
)
LEVEL_NAMES = {
    "elementary": ("Elementary", "Primary", "Elementary School"),
    "middle": ("Middle", "Middle School", "Junior High"),
    "high": ("High", "High School", "Senior High"),
}


def region_names(rng: random.Random, count: int) -> list[str]:
    names = list(REGIONS)
    rng.shuffle(names)
    return [names[i] if i < len(names) else f"Region {i + 1}" for i in range(count)]


def district_names(rng: random.Random, count: int) -> list[str]:
    places = [start + end for start in PLACE_STARTS for end in PLACE_ENDS]
    rng.shuffle(places)
    return [
        f"{places[i % len(places)]} {rng.choice(DISTRICT_KINDS)}"
        + ("" if i < len(places) else f" {i // len(places) + 1}")
        for i in range(count)
    ]


def school_names(rng: random.Random, levels: list[str]) -> list[str]:
    """Names unique within one district."""
    used: set[str] = set()
    names = []
    for level in levels:
        name = f"{rng.choice(SCHOOL_STEMS)} {rng.choice(LEVEL_NAMES[level])}"
        number = 2
        while name in used:
            name = f"{rng.choice(SCHOOL_STEMS)} {rng.choice(LEVEL_NAMES[level])}"
            if number > 5:
                name = f"{name} {number}"
            number += 1
        used.add(name)
        names.append(name)
    return names
