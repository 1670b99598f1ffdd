"""Turning text into HTML: Markdown, the sanitizer for strangers' HTML, and the Jinja2 theme."""
