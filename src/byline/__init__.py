"""Byline: carry out a real-name disclosure programme correctly, at scale, without doxxing."""
