"""Analysis: roll-ups and checks over the store. Returns plain data, never HTML."""
