"""Numerics of the course: numpy/scipy only — no matplotlib, widgets, tqdm or Russian text."""
