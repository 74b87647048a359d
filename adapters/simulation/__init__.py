"""What every kind's simulator shares: one request/response shape, served in-process for
`jobdeck demo` or over real loopback HTTP for `jobdeck sim serve` and the tests, with faults to
inject; and form bodies read back with the standard library. Only simulators import it."""
