"""The domain and the store of the party-building desk; pure Python, never imports Qt."""
