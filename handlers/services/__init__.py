"""Store-backed operations of each API: look up, apply the rules, persist, shape the answer."""
