"""Plain helpers the tests import (clocks, the console on simulators, hostile services, a pty
terminal). Fixtures live in each layer's conftest.py; nothing imports a conftest."""
