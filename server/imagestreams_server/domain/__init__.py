"""Pure rules of image streams: names, pull specs, tags, status history and the aggregates.

Nothing here does I/O, reads a clock or keeps globals: time, ids and actors come in as arguments.
"""
