"""Quoting for the few SQL statements that cannot bind parameters (DDL such as `create view`,
names of columns and files). Everything else binds values as parameters."""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def string_literal(value: object) -> str:
    """`value` as a single-quoted SQL string literal (embedded quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"
