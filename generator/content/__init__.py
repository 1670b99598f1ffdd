"""Phase one: content files become the pure model (posts, comments, categories, tags, related posts)."""
