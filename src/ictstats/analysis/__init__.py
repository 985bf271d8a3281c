"""Stage 4, analysis: recomputed aggregates and their imputation, reconciliation with the
published aggregates, revisions and changes between editions, and the claims register.
"""
