"""Servers: the local preview (`blog serve`) with live reload."""
