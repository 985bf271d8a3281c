"""Stage 1, sources: the manifest (data/sources.yaml), fetching and verifying each file, and the
fingerprint of a build's inputs.
"""
