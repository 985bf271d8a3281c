"""What each published table is: fields, resources and code lists, declared once.

`fields.py` declares every column (type, unit, description, constraints), `resources.py` every
table and view (its fields in order, primary and foreign keys, sources), `codes.py` the code
lists. `schema.py` turns them into objects and derives the pandera schemas, Arrow and DuckDB
types, column comments; `dictionary.py` writes docs/data-dictionary.md from them.
"""

from ictstats.metadata.resources import KEY
from ictstats.metadata.schema import Field, Resource, resource, tables, views

__all__ = ["KEY", "Field", "Resource", "resource", "tables", "views"]
