"""Pure rules of Pin Kiosk: no Flask, no SQLAlchemy, no I/O.

Everything here is a function of its arguments (payload, cached facts, now), so it can be unit
tested and fuzzed without an app.
"""
