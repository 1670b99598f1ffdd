"""Everything that touches output/ and the cache: page keys, staging, atomic publishing, the build lock."""
