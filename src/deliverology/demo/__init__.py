"""The deterministic demo system: `generate_demo_system()` returns plain data, no I/O."""
