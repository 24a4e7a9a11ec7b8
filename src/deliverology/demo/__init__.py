"""The deterministic demo system: `generate_demo_system()` returns plain data, no I/O."""

from deliverology.demo.generator import (
    DemoLocalUnit,
    DemoMetric,
    DemoObservation,
    DemoPriority,
    DemoSubgroup,
    DemoSystem,
    generate_demo_system,
)

__all__ = [
    "DemoLocalUnit",
    "DemoMetric",
    "DemoObservation",
    "DemoPriority",
    "DemoSubgroup",
    "DemoSystem",
    "generate_demo_system",
]
