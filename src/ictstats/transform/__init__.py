"""Stage 3, transform: entities (economies, groups, the name resolver), the canonical
observation table, and its validation (pandera, soft checks, sheet repeats).
"""
